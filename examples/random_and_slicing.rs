//! Walkthrough: random arrays (the same values for any chunking), slicing, masks with unknown
//! sizes, transposes, dot products and reshapes dask refuses.

use ndchunk::prelude::*;
use ndchunk::random::Generator;

fn main() -> Result<()> {
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();
    let n = if small { 400 } else { 5000 };
    let x = Generator::new(42).random(&[n, n], [n / 4, n / 4])?;
    let y = Generator::new(42).random(&[n, n], [n / 5, n])?;
    println!("{x}\n");
    println!("same seed, other chunks -> identical: {}", x.eq(&y)?.all(None)?.item()?);

    let corner = x.slice(s![..5, -3..])?;
    println!("\nx[:5, -3:] =\n{}", corner.compute()?);
    let every_other = x.slice(s![..;2, 1..;-2])?;
    println!("x[::2, 1::-2] has shape {:?}", every_other.shape());

    let big = x.mask(&x.gt(0.99)?)?;
    println!(
        "\nx[x > 0.99]: shape {:?} (unknown until computed), {} values",
        big.shape(),
        big.compute_chunk_sizes()?.shape()[0]
    );
    println!("their mean: {:.4}", big.mean(None)?.item()?);

    let sym = &x + &x.t();
    println!("\nx + x.T is symmetric: {}", sym.eq(sym.t())?.all(None)?.item()?);
    let d = x.slice(s![..100, ..])?.dot(&x.slice(s![.., ..100])?)?;
    println!(
        "x[:100] @ x[:, :100]: {:?}, trace {:.3}",
        d.shape(),
        ndarray::Array2::from_shape_vec((100, 100), d.compute()?.into_raw_vec_and_offset().0).unwrap().diag().sum()
    );

    let r = ndchunk::zeros::<f64>(&[n, n], [n / 2, n / 2])?.reshape(&[n / 5, n, 5])?;
    println!(
        "\nzeros(({n}, {n}), chunks=({}, {})).reshape(({}, {n}, 5)) -> {:?}, sum {}",
        n / 2,
        n / 2,
        n / 5,
        r.shape(),
        r.sum(None)?.item()?
    );
    Ok(())
}

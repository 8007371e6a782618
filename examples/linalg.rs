//! Walkthrough: tall-skinny QR (`q, r = qr(a)`, `q.dot(r)`) and the SVD of `x.dot(x.T)`.

use std::time::Instant;

use ndchunk::linalg;
use ndchunk::prelude::*;
use ndchunk::random::Generator;

fn main() -> Result<()> {
    let small = std::env::var_os("NDCHUNK_EXAMPLE_SMALL").is_some();
    let (m, n) = if small { (2000, 200) } else { (10000, 1000) };
    let a = Generator::new(5).random(&[m, n], [m / 10, n])?;
    println!("{a}\n");
    let t = Instant::now();
    let (q, r) = linalg::qr(&a)?;
    let err = (&q.dot(&r)? - &a).abs().max(None)?.item()?;
    println!("qr: q {:?}, r {:?}, max |q·r − a| = {err:.2e} ({:.2?})", q.shape(), r.shape(), t.elapsed());
    let qtq = q.t().dot(&q)?;
    let ortho = (&qtq - &ndchunk::eye::<f64>(q.shape()[1], [q.shape()[1], q.shape()[1]])?).abs().max(None)?.item()?;
    println!("    max |qᵀq − I| = {ortho:.2e}");

    let k = if small { 300 } else { 2000 };
    let x = Generator::new(6).random(&[k, 50], [k / 4, 50])?;
    let t = Instant::now();
    let (_, s, _) = linalg::svd(&x.dot(&x.t())?)?;
    let s = s.compute()?;
    println!(
        "\nsvd(x.dot(x.T)), x of shape ({k}, 50): {} singular values, first {:.3}, 50th {:.3e}, 51st {:.3e} ({:.2?})",
        s.len(),
        s[0],
        s[49],
        s[50],
        t.elapsed()
    );
    let (_, s5, _) = linalg::svd_compressed(&x, 5, 2, 0)?;
    println!("svd_compressed(x, 5): {}", s5.compute()?);
    assert!(err < 1e-10 && ortho < 1e-10);
    Ok(())
}

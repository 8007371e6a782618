//! Histograms vs NumPy (fixtures/histograms.txt from fixtures/generate.py), across chunkings,
//! on masked arrays with unknown sizes, in 2-D and d-D.

use std::collections::HashMap;

use ndarray::{Array1, ArrayD, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{Bins, HistogramOptions};

struct Fx {
    data: HashMap<String, Vec<f64>>,
    lines: Vec<Vec<String>>,
}

fn load() -> Fx {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/histograms.txt")).unwrap();
    let mut data = HashMap::new();
    let mut lines = Vec::new();
    for l in text.lines() {
        let f: Vec<String> = l.split('|').map(str::to_string).collect();
        if f[0] == "DATA" {
            data.insert(f[1].clone(), nums(&f[2]));
        } else {
            lines.push(f);
        }
    }
    Fx { data, lines }
}

fn nums(s: &str) -> Vec<f64> {
    s.split(',').filter(|v| !v.is_empty()).map(|v| v.parse().unwrap()).collect()
}

fn close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{what}: bin {i}: {g} vs NumPy {w}");
    }
}

fn arr(v: &[f64], chunk: usize) -> ChunkedArray<f64> {
    ChunkedArray::from_array(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.to_vec()).unwrap(), [chunk.max(1)]).unwrap()
}

#[test]
fn one_dimensional_histograms_match_numpy() {
    let fx = load();
    let mut n = 0;
    for case in fx.lines.iter().filter(|l| l[0] == "HIST") {
        let (name, data, bins, range, wname, density) =
            (&case[1], &fx.data[&case[2]], &case[3], &case[4], &case[5], case[6] == "1");
        let want_counts = nums(&case[7]);
        let want_edges = nums(&case[8]);
        let bins: Bins = if bins.contains(',') { Bins::Edges(nums(bins)) } else { Bins::Count(bins.parse().unwrap()) };
        let range = if range.is_empty() {
            None
        } else {
            let r = nums(range);
            Some((r[0], r[1]))
        };
        for chunk in [data.len(), 100, 1, 333] {
            let x = arr(data, chunk);
            let what = format!("{name} chunks {chunk}");
            if wname.is_empty() && !density {
                let (h, e) = ndchunk::histogram(&x, bins.clone(), range).unwrap();
                close(e.as_slice().unwrap(), &want_edges, &what);
                let c = h.compute().unwrap();
                close(&c.iter().map(|&v| v as f64).collect::<Vec<_>>(), &want_counts, &what);
            } else {
                let w = if wname.is_empty() { None } else { Some(arr(&fx.data[wname], 77)) };
                let opts = HistogramOptions { weights: w.as_ref(), density, split_every: Some(3) };
                let (h, e) = ndchunk::histogram_with(&x, bins.clone(), range, &opts).unwrap();
                close(e.as_slice().unwrap(), &want_edges, &what);
                close(h.compute().unwrap().as_slice().unwrap(), &want_counts, &what);
            }
            n += 1;
        }
    }
    assert!(n >= 36);
}

#[test]
fn histograms_of_masked_arrays_with_empty_blocks() {
    let fx = load();
    let x = &fx.data["x"];
    let case = fx.lines.iter().find(|l| l[0] == "HIST" && l[1] == "x100").unwrap();
    let want = nums(&case[7]);
    // masking out everything above 2 and back in through a mask that leaves some blocks empty
    for chunk in [997, 50, 7] {
        let a = arr(x, chunk);
        let keep = a.lt(f64::INFINITY).unwrap(); // drops NaN and +inf only: same histogram
        let m = a.mask(&keep).unwrap();
        let (h, _) = ndchunk::histogram(&m, 100, Some((-9.0, 11.0))).unwrap();
        close(&h.compute().unwrap().iter().map(|&v| v as f64).collect::<Vec<_>>(), &want, "masked");
        let low = a.mask(&a.lt(-7.0).unwrap()).unwrap(); // most blocks empty
        let (h, _) = ndchunk::histogram(&low, 100, Some((-9.0, 11.0))).unwrap();
        let direct: Vec<f64> = {
            let mut c = vec![0.0; 100];
            for &v in x.iter().filter(|&&v| (-9.0..-7.0).contains(&v)) {
                c[(((v + 9.0) / 20.0) * 100.0) as usize] += 1.0;
            }
            c
        };
        close(&h.compute().unwrap().iter().map(|&v| v as f64).collect::<Vec<_>>(), &direct, "sparse mask");
    }
}

#[test]
fn two_and_d_dimensional_histograms_match_numpy() {
    let fx = load();
    let x = &fx.data["x"][10..];
    let y = &fx.data["y"][10..];
    let z = &fx.data["z"][10..];
    let h2 = fx.lines.iter().find(|l| l[0] == "HIST2D").unwrap();
    let hd = fx.lines.iter().find(|l| l[0] == "HISTDD").unwrap();
    for chunk in [987, 100, 13] {
        let (cx, cy) = (arr(x, chunk), arr(y, 50));
        let (h, ex, ey) = ndchunk::histogram2d(&cx, &cy, 8, Some([(-9.0, 11.0), (-5.0, 5.0)])).unwrap();
        let c = h.compute().unwrap();
        assert_eq!(c.shape(), &[8, 8]);
        // NumPy's histogram2d/histogramdd counts are float64
        let c: ndarray::ArrayD<f64> = c;
        close(&c.iter().copied().collect::<Vec<_>>(), &nums(&h2[4]), "2d");
        close(ex.as_slice().unwrap(), &nums(&h2[5]), "2d x edges");
        close(ey.as_slice().unwrap(), &nums(&h2[6]), "2d y edges");
        // (N, 3) sample chunked along both axes
        let sample = ndarray::Array2::from_shape_fn((x.len(), 3), |(i, j)| [x[i], y[i], z[i]][j]);
        let s = ChunkedArray::from_array(sample, [chunk, 2]).unwrap();
        let (h, edges) = ndchunk::histogramdd(
            &s,
            &[Bins::Count(5), Bins::Count(4), Bins::Count(3)],
            Some(&[(-9.0, 11.0), (-5.0, 5.0), (0.0, 3.0)]),
        )
        .unwrap();
        let c = h.compute().unwrap();
        assert_eq!(c.shape(), &[5, 4, 3]);
        assert_eq!(edges.len(), 3);
        let c: ndarray::ArrayD<f64> = c;
        close(&c.iter().copied().collect::<Vec<_>>(), &nums(&hd[4]), "dd");
    }
}

#[test]
fn histogram_errors() {
    let x = arr(&[1.0, 2.0, 3.0], 2);
    assert!(matches!(ndchunk::histogram(&x, 10, None), Err(Error::Value(m)) if m.contains("range")));
    assert!(matches!(ndchunk::histogram(&x, 0, Some((0.0, 1.0))), Err(Error::Value(_))));
    assert!(matches!(ndchunk::histogram(&x, 3, Some((2.0, 1.0))), Err(Error::Value(_))));
    assert!(
        matches!(ndchunk::histogram(&x, vec![0.0, 2.0, 1.0], None), Err(Error::Value(m)) if m.contains("monotonically"))
    );
    let w = arr(&[1.0, 2.0], 2);
    let opts = HistogramOptions { weights: Some(&w), ..Default::default() };
    assert!(matches!(ndchunk::histogram_with(&x, 3, Some((0.0, 3.0)), &opts), Err(Error::Shape(_))));
    let s = ndchunk::ones::<f64>(&[4, 2], [2, 2]).unwrap();
    assert!(ndchunk::histogramdd(&s, &[Bins::Count(2)], Some(&[(0.0, 1.0)])).is_err());
    // integer data
    let i = ChunkedArray::from_array(Array1::from(vec![0i32, 1, 1, 2, 5]), [2]).unwrap();
    let (h, _) = ndchunk::histogram(&i, 5, Some((0.0, 5.0))).unwrap();
    assert_eq!(h.compute().unwrap().as_slice().unwrap(), &[1, 2, 1, 0, 1]);
}

//! `overlap`, `trim_internal` and `map_overlap` against the same stencil applied to the whole
//! array, padded by NumPy's `pad` rules (`symmetric`, `wrap`, `edge`, `constant`), for every
//! boundary, several chunkings, and depths larger than the blocks.

use ndarray::{ArrayD, ArrayViewD, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{Boundary, Depth, Error};
use proptest::prelude::*;

use crate::common::chunkings;

/// Position `i` (possibly outside `0..n`) mapped into the array by NumPy's pad rule, or `None`
/// for a constant.
fn source_index(i: isize, n: usize, b: &Boundary<f64>) -> Option<usize> {
    let n = n as isize;
    if (0..n).contains(&i) {
        return Some(i as usize);
    }
    match b {
        Boundary::Reflect => {
            let p = i.rem_euclid(2 * n);
            Some(if p < n { p } else { 2 * n - 1 - p } as usize)
        }
        Boundary::Periodic => Some(i.rem_euclid(n) as usize),
        Boundary::Nearest => Some(i.clamp(0, n - 1) as usize),
        Boundary::Constant(_) | Boundary::None => None,
    }
}

/// The whole array padded by `d` per axis with `b` (NumPy's `np.pad`).
fn padded(x: &ArrayD<f64>, d: &[usize], b: &Boundary<f64>) -> ArrayD<f64> {
    let shape: Vec<usize> = x.shape().iter().zip(d).map(|(&n, &d)| n + 2 * d).collect();
    let fill = if let Boundary::Constant(v) = b { *v } else { 0.0 };
    ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
        let nd = x.ndim();
        let mut src = Vec::with_capacity(nd);
        for a in 0..nd {
            match source_index(ix[a] as isize - d[a] as isize, x.shape()[a], b) {
                Some(s) => src.push(s),
                None => return fill,
            }
        }
        x[IxDyn(&src)]
    })
}

/// A weighted stencil of radius `r` along every axis, summing only the neighbours inside the
/// block it is given (so at a block's own edge it sees less, as at the array's edge with
/// `Boundary::None`). Weights differ per offset, so a halo on the wrong side shows.
fn stencil(r: usize) -> impl Fn(ArrayViewD<'_, f64>) -> ArrayD<f64> + Send + Sync + Clone + 'static {
    move |b: ArrayViewD<'_, f64>| {
        let shape = b.shape().to_vec();
        ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
            let mut acc = 0.0;
            for a in 0..shape.len() {
                for k in -(r as isize)..=(r as isize) {
                    let j = ix[a] as isize + k;
                    if j < 0 || j >= shape[a] as isize {
                        continue;
                    }
                    let mut at = ix.clone();
                    at[a] = j as usize;
                    acc += b[at] * (1.0 + 0.25 * k as f64 + 0.5 * a as f64);
                }
            }
            acc
        })
    }
}

/// The stencil on the whole array padded by `d`, cropped back (what `map_overlap` must give).
fn reference(x: &ArrayD<f64>, d: &[usize], b: &Boundary<f64>, r: usize) -> ArrayD<f64> {
    // no halo with `Boundary::None` or on an empty axis
    let d: Vec<usize> =
        d.iter().zip(x.shape()).map(|(&d, &n)| if matches!(b, Boundary::None) || n == 0 { 0 } else { d }).collect();
    let full = stencil(r)(padded(x, &d, b).view());
    let mut v = full.view();
    for (a, &da) in d.iter().enumerate() {
        v.slice_axis_inplace(ndarray::Axis(a), ndarray::Slice::from(da..da + x.shape()[a]));
    }
    v.to_owned()
}

fn same_bits(a: &ArrayD<f64>, b: &ArrayD<f64>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()), "{what}: element {i}: {x} vs {y}");
    }
}

fn data(shape: &[usize]) -> ArrayD<f64> {
    let mut k = 0;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k += 1;
        match k % 23 {
            7 => f64::NAN,
            11 => f64::INFINITY,
            13 => -0.0,
            _ => ((k * 37) % 101) as f64 * 0.125 - 6.0,
        }
    })
}

const BOUNDARIES: [Boundary<f64>; 5] =
    [Boundary::None, Boundary::Reflect, Boundary::Periodic, Boundary::Nearest, Boundary::Constant(-2.5)];

#[test]
fn map_overlap_equals_the_stencil_on_the_whole_array() {
    for shape in [vec![11], vec![7, 9], vec![3, 4, 5], vec![1, 6]] {
        let x = data(&shape);
        let mut cks = chunkings(&shape);
        cks.push(shape.iter().map(|&n| 2.min(n)).collect());
        for ch in cks {
            let cx = ChunkedArray::from_array(x.clone(), ch.clone()).unwrap();
            for b in BOUNDARIES {
                // depth ≥ radius; depth 3 exceeds blocks of 1 and 2 elements
                for (r, d) in [(0, 0), (1, 1), (1, 2), (2, 3)] {
                    let depth = vec![d; shape.len()];
                    let got = cx.map_overlap(depth.clone(), b, stencil(r)).unwrap();
                    assert_eq!(got.chunks(), cx.chunks());
                    let want = reference(&x, &depth, &b, r);
                    same_bits(&got.compute().unwrap(), &want, &format!("{shape:?} chunks {ch:?} {b:?} r{r} d{d}"));
                }
            }
        }
    }
}

#[test]
fn depth_per_axis_and_by_named_axes() {
    let shape = [6, 8];
    let x = data(&shape);
    let cx = ChunkedArray::from_array(x.clone(), [2, 3]).unwrap();
    for b in BOUNDARIES {
        // radius 1 on both axes needs depth 1 on both; a larger depth on one axis changes nothing
        let got = cx.map_overlap([1usize, 4], b, stencil(1)).unwrap().compute().unwrap();
        same_bits(&got, &reference(&x, &[1, 4], &b, 1), &format!("{b:?}"));
        let got = cx.map_overlap([(-1isize, 1usize), (0, 5)], b, stencil(1)).unwrap().compute().unwrap();
        same_bits(&got, &reference(&x, &[5, 1], &b, 1), &format!("{b:?} named"));
    }
}

#[test]
fn overlap_blocks_are_the_padded_boxes_and_trim_undoes_them() {
    let shape = [5, 7];
    let x = data(&shape);
    for ch in [vec![2, 3], vec![1, 7], vec![5, 2]] {
        let cx = ChunkedArray::from_array(x.clone(), ch.clone()).unwrap();
        for b in BOUNDARIES {
            for d in [0usize, 1, 3] {
                let o = cx.overlap(d, b).unwrap();
                let none = matches!(b, Boundary::None);
                let pad = if none { 0 } else { d };
                let p = padded(&x, &[pad, pad], &b);
                // every block of `o` is its block's box of the padded array
                let ov = o.compute().unwrap();
                let (mut r0, mut pr0) = (0, 0);
                for (i, &c0) in cx.chunks().axis(0).iter().enumerate() {
                    // with `Boundary::None` a halo stops where the array ends
                    let (b0, a0) = if none { (d.min(pr0), d.min(shape[0] - pr0 - c0)) } else { (d, d) };
                    let len0 = b0 + c0 + a0;
                    assert_eq!(o.chunks().axis(0)[i], len0, "{ch:?} {b:?} d{d}");
                    let (mut r1, mut pr1) = (0, 0);
                    for (j, &c1) in cx.chunks().axis(1).iter().enumerate() {
                        let (b1, a1) = if none { (d.min(pr1), d.min(shape[1] - pr1 - c1)) } else { (d, d) };
                        let len1 = b1 + c1 + a1;
                        let got = ov.slice(ndarray::s![r0..r0 + len0, r1..r1 + len1]);
                        let (s0, s1) = (pr0 + pad - b0, pr1 + pad - b1);
                        let want = p.slice(ndarray::s![s0..s0 + len0, s1..s1 + len1]);
                        same_bits(
                            &got.to_owned().into_dyn(),
                            &want.to_owned().into_dyn(),
                            &format!("{ch:?} {b:?} d{d} block ({i}, {j})"),
                        );
                        r1 += len1;
                        pr1 += c1;
                    }
                    r0 += len0;
                    pr0 += c0;
                }
                // (trim_internal knows only nominal halos: with `None` they must not be cut short)
                if !none || d <= 1 {
                    let back = ndchunk::trim_internal(&o, d, none).unwrap();
                    assert_eq!(back.chunks(), cx.chunks());
                    same_bits(&back.compute().unwrap(), &x, &format!("trim {ch:?} {b:?} d{d}"));
                }
                // map_overlap trims the halos exactly, whatever the depth
                let same = cx.map_overlap(d, b, |v| v.to_owned()).unwrap();
                assert_eq!(same.chunks(), cx.chunks());
                same_bits(&same.compute().unwrap(), &x, &format!("identity {ch:?} {b:?} d{d}"));
                // trim = false gives the haloed results
                let raw = cx.map_overlap_with(d, b, false, |v| v.to_owned()).unwrap();
                assert_eq!(raw.shape(), o.shape());
            }
        }
    }
}

#[test]
fn integers_zero_length_axes_and_0d() {
    let x = ndchunk::arange::<i64>(0, 10, 1, [3]).unwrap();
    let o = x.overlap(2, Boundary::Periodic).unwrap().compute().unwrap();
    assert_eq!(o.slice(ndarray::s![..7]).to_vec(), vec![8, 9, 0, 1, 2, 3, 4]);
    // depth larger than the whole axis repeats the pattern, as NumPy's pad
    let small = ndchunk::arange::<i64>(0, 3, 1, [2]).unwrap();
    let o = small.overlap(4, Boundary::Periodic).unwrap().compute().unwrap();
    assert_eq!(o.slice(ndarray::s![..10]).to_vec(), vec![2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
    let o = small.overlap(4, Boundary::Reflect).unwrap().compute().unwrap();
    // first block's box: np.pad([0, 1, 2], 4, 'symmetric')[:10]
    assert_eq!(o.slice(ndarray::s![..10]).to_vec(), vec![2, 2, 1, 0, 0, 1, 2, 2, 1, 0]);
    // a zero-length axis: nothing to pad, nothing to compute
    let e = ChunkedArray::from_array(ArrayD::<f64>::zeros(IxDyn(&[0, 4])), [1, 2]).unwrap();
    for b in BOUNDARIES {
        let y = e.map_overlap(1, b, |v| v.to_owned()).unwrap();
        assert_eq!(y.compute().unwrap().shape(), &[0, 4]);
    }
    // 0-d: no axes, no halo
    let s = ChunkedArray::<f64>::from_array(ndarray::arr0(3.5).into_dyn(), Vec::<usize>::new()).unwrap();
    let y = s.map_overlap(Depth::PerAxis(vec![]), Boundary::Reflect, |v| v.mapv(|a| a * 2.0)).unwrap();
    assert_eq!(y.compute().unwrap()[[]], 7.0);
}

#[test]
fn bad_arguments_are_typed_errors() {
    let x = ndchunk::ones::<f64>(&[6, 6], [3, 3]).unwrap();
    assert!(matches!(x.overlap(vec![1usize], Boundary::Reflect), Err(Error::Value(_))));
    assert!(matches!(x.overlap([(2isize, 1usize)], Boundary::Reflect), Err(Error::Axis { .. })));
    // trimming more than a block holds
    assert!(matches!(ndchunk::trim_internal(&x, 2, false), Err(Error::Chunks(_))));
    // unknown chunk sizes (after a mask)
    let m = x.mask(&x.gt(0.5).unwrap()).unwrap();
    assert!(matches!(m.overlap(1, Boundary::Nearest), Err(Error::UnknownChunkSizes { .. })));
    // a function returning the wrong shape is an error at compute time, not a panic
    let y = x.map_overlap(1, Boundary::Nearest, |v| ArrayD::<f64>::zeros(IxDyn(&[v.shape()[0]]))).unwrap();
    assert!(y.compute().is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn map_overlap_matches_the_whole_array((shape, ch) in crate::common::shape_and_chunks(), d in 0usize..4, bi in 0usize..5) {
        let x = data(&shape);
        let cx = ChunkedArray::from_array(x.clone(), ch.clone()).unwrap();
        let b = BOUNDARIES[bi];
        let r = d.min(1);
        let depth = vec![d; shape.len()];
        let got = cx.map_overlap(depth.clone(), b, stencil(r)).unwrap().compute().unwrap();
        let want = reference(&x, &depth, &b, r);
        same_bits(&got, &want, &format!("{shape:?} {ch:?} {b:?} d{d}"));
    }
}

#[test]
fn several_arrays_get_the_same_halos() {
    // f(x, w) = stencil(x) * w + x[i-1 or edge] (w an integer weight): against the whole array
    let shape = [7, 6];
    let x = data(&shape);
    let w = ArrayD::from_shape_fn(IxDyn(&shape), |ix| (ix[0] * 3 + ix[1]) as i32 % 5 - 2);
    for (cx_ch, cw_ch) in [(vec![3, 2], vec![2, 4]), (vec![7, 6], vec![1, 1]), (vec![2, 5], vec![2, 5])] {
        let cx = ChunkedArray::from_array(x.clone(), cx_ch.clone()).unwrap();
        let cw = ChunkedArray::from_array(w.clone(), cw_ch.clone()).unwrap();
        for b in BOUNDARIES {
            let st = stencil(1);
            let got = ndchunk::map_overlap((&cx, &cw), 1, b, move |(x, w), _: &ndchunk::BlockInfo| {
                let s = st(x.view());
                ndarray::Zip::from(&s).and(&w).map_collect(|&s, &w| s * w as f64)
            })
            .unwrap();
            assert_eq!(got.chunks().offsets(0).len(), {
                let mut c: Vec<usize> = cx.chunks().offsets(0).into_iter().chain(cw.chunks().offsets(0)).collect();
                c.sort_unstable();
                c.dedup();
                c.len()
            });
            let want = ndarray::Zip::from(&reference(&x, &[1, 1], &b, 1)).and(&w).map_collect(|&s, &w| s * w as f64);
            same_bits(&got.compute().unwrap(), &want, &format!("{cx_ch:?} {cw_ch:?} {b:?}"));
        }
    }
    let other = ndchunk::ones::<f64>(&[7, 5], [3, 3]).unwrap();
    let cx = ChunkedArray::from_array(x.clone(), [3, 3]).unwrap();
    let r = ndchunk::map_overlap((&cx, &other), 1, Boundary::None, |(x, _), _: &ndchunk::BlockInfo| x.to_owned());
    assert!(matches!(r, Err(Error::Shape(_))));
}

//! NumPy's order on complex arrays (issue 17) against NumPy (fixtures/complex_order.txt,
//! written by fixtures/generate_complex_order.py), over `common::chunkings`, for
//! `complex128` and `complex64`: comparisons, `maximum`/`minimum`/`fmax`/`fmin`, `clip`,
//! `min`/`max`/`argmin`/`argmax` and their `nan` forms (all-NaN slices included), `ptp`, `sort`,
//! `argsort`, `partition`, `topk`/`argtopk`, `unique` with index/inverse/counts,
//! `searchsorted`, `isin`, `intersect1d`, `union1d`, `setdiff1d`; zero-length and 0-d inputs;
//! bad arguments (typed errors); and a proptest against a plain transcription of NumPy's C
//! rules (`CLT`/`CGE` of `loops.c.src`, `CFLOAT_LT` of `npysort`).

use std::collections::HashMap;

use ndarray::{ArrayD, Axis, IxDyn};
use ndchunk::prelude::*;
use ndchunk::{Complex, Error, Ordered, Side, UniqueOptions};
use proptest::prelude::*;

use crate::common::{chunkings, parse_axes};

type Rec = crate::common::Record;
type C16 = Complex<f64>;
type C8 = Complex<f32>;

fn load() -> HashMap<String, Rec> {
    crate::common::load_records("complex_order.txt")
}

/// An input record as an array of `T` (complex records: interleaved parts).
fn input<T: Element>(fx: &HashMap<String, Rec>, name: &str) -> ArrayD<T> {
    crate::common::record_array(fx, name)
}

fn parts<T: Element>(a: &ArrayD<T>) -> Vec<f64> {
    if T::DTYPE.is_complex() {
        a.iter().flat_map(|v| [v.to_f64(), v.imag_f64()]).collect()
    } else {
        a.iter().map(|v| v.to_f64()).collect()
    }
}

/// `got` against the record `name`: same dtype and shape, every part equal (NaN to NaN;
/// `-0.0 == 0.0`, as NumPy's comparisons).
fn check<T: Element>(fx: &HashMap<String, Rec>, name: &str, got: &ArrayD<T>, what: &str) {
    let (dt, shape, want) = fx.get(name).unwrap_or_else(|| panic!("no record {name}"));
    assert_eq!(dt, T::DTYPE.name(), "{what}: result type");
    assert_eq!(got.shape(), shape.as_slice(), "{what}: shape");
    let g = parts(got);
    assert_eq!(g.len(), want.len(), "{what}");
    for (i, (g, w)) in g.iter().zip(want).enumerate() {
        assert!((g.is_nan() && w.is_nan()) || g == w, "{what}: part {i}: {g} vs {w}\n got {got:?}");
    }
}

fn chunked<T: Element>(a: &ArrayD<T>, ch: &[usize]) -> ChunkedArray<T> {
    ChunkedArray::from_array(a.clone(), ch.to_vec()).unwrap()
}

macro_rules! for_widths {
    ($body:ident) => {
        $body::<C16>("c128");
        $body::<C8>("c64");
    };
}

#[test]
fn comparisons_extremes_and_clip_match_numpy() {
    fn run<T: Ordered>(w: &str) {
        let fx = &load();
        let (a, b) = (input::<T>(fx, &format!("x_{w}")), input::<T>(fx, &format!("y_{w}")));
        let lo = T::from_scalar(ndchunk::Scalar::Complex(-0.5, 1.0));
        let hi = T::from_f64(2.0);
        for ch in chunkings(a.shape()) {
            let (x, y) = (chunked(&a, &ch), chunked(&b, &ch));
            let name = |op: &str| format!("{op}:x_{w}:y_{w}");
            let what = |op: &str| format!("{op} {w} {ch:?}");
            check(fx, &name("greater"), &x.gt(&y).unwrap().compute().unwrap(), &what("gt"));
            check(fx, &name("greater_equal"), &x.ge(&y).unwrap().compute().unwrap(), &what("ge"));
            check(fx, &name("less"), &x.lt(&y).unwrap().compute().unwrap(), &what("lt"));
            check(fx, &name("less_equal"), &x.le(&y).unwrap().compute().unwrap(), &what("le"));
            check(fx, &name("maximum"), &x.maximum(&y).unwrap().compute().unwrap(), &what("maximum"));
            check(fx, &name("minimum"), &x.minimum(&y).unwrap().compute().unwrap(), &what("minimum"));
            check(fx, &name("fmax"), &x.fmax(&y).unwrap().compute().unwrap(), &what("fmax"));
            check(fx, &name("fmin"), &x.fmin(&y).unwrap().compute().unwrap(), &what("fmin"));
            let clip = format!("clip:x_{w}");
            check(fx, &clip, &x.clip(lo, hi).compute().unwrap(), &what("clip"));
            check(fx, &clip, &x.clip_with(lo, hi).unwrap().compute().unwrap(), &what("clip_with"));
            check(
                fx,
                &clip,
                &x.clip_lower(lo).unwrap().clip_upper(hi).unwrap().compute().unwrap(),
                &what("clip one-sided"),
            );
        }
    }
    for_widths!(run);
    // the promoting free functions (NumPy's `np.greater`, `np.maximum`, ...)
    let fx = &load();
    let (a, b) = (input::<C16>(fx, "x_c128"), input::<C16>(fx, "y_c128"));
    let (x, y) = (chunked(&a, &[2, 4]), chunked(&b, &[2, 4]));
    let bools = [
        ("greater", ndchunk::greater(&x, &y)),
        ("greater_equal", ndchunk::greater_equal(&x, &y)),
        ("less", ndchunk::less(&x, &y)),
        ("less_equal", ndchunk::less_equal(&x, &y)),
    ];
    for (op, got) in bools {
        check(fx, &format!("{op}:x_c128:y_c128"), &got.unwrap().compute().unwrap(), op);
    }
    let values = [
        ("maximum", ndchunk::maximum(&x, &y)),
        ("minimum", ndchunk::minimum(&x, &y)),
        ("fmax", ndchunk::fmax(&x, &y)),
        ("fmin", ndchunk::fmin(&x, &y)),
    ];
    for (op, got) in values {
        check(fx, &format!("{op}:x_c128:y_c128"), &got.unwrap().compute().unwrap(), op);
    }
}

#[test]
fn reductions_match_numpy() {
    fn run<T: Ordered + ndchunk::Arith>(w: &str) {
        let fx = &load();
        let a = input::<T>(fx, &format!("x_{w}"));
        for ch in chunkings(a.shape()) {
            let x = chunked(&a, &ch);
            for axis in ["None", "0", "1"] {
                let name = |op: &str| format!("{op}:x_{w}:{axis}");
                let what = |op: &str| format!("{op} {w} axis={axis} {ch:?}");
                let ax = || parse_axes(axis);
                check(fx, &name("min"), &x.min(ax()).unwrap().compute().unwrap(), &what("min"));
                check(fx, &name("max"), &x.max(ax()).unwrap().compute().unwrap(), &what("max"));
                check(fx, &name("nanmin"), &x.nanmin(ax()).unwrap().compute().unwrap(), &what("nanmin"));
                check(fx, &name("nanmax"), &x.nanmax(ax()).unwrap().compute().unwrap(), &what("nanmax"));
                check(fx, &name("argmin"), &x.argmin(ax()).unwrap().compute().unwrap(), &what("argmin"));
                check(fx, &name("argmax"), &x.argmax(ax()).unwrap().compute().unwrap(), &what("argmax"));
                check(fx, &name("nanargmin"), &x.nanargmin(ax()).unwrap().compute().unwrap(), &what("nanargmin"));
                check(fx, &name("nanargmax"), &x.nanargmax(ax()).unwrap().compute().unwrap(), &what("nanargmax"));
                check(fx, &name("ptp"), &x.ptp(ax()).unwrap().compute().unwrap(), &what("ptp"));
            }
        }
    }
    for_widths!(run);
}

#[test]
fn all_nan_slices_follow_numpy() {
    let fx = &load();
    let a = input::<C16>(fx, "n_c128");
    for ch in chunkings(a.shape()) {
        let x = chunked(&a, &ch);
        // NumPy's complex nanmin/nanmax are fmin/fmax.reduce: an all-NaN slice gives its first element
        check(fx, "nanmin:n_c128:1", &x.nanmin(1).unwrap().compute().unwrap(), &format!("nanmin {ch:?}"));
        check(fx, "nanmax:n_c128:1", &x.nanmax(1).unwrap().compute().unwrap(), &format!("nanmax {ch:?}"));
        // and nanargmin/nanargmax raise ValueError("All-NaN slice encountered")
        for r in [x.nanargmin(1).unwrap().compute(), x.nanargmax(1).unwrap().compute()] {
            assert!(matches!(r, Err(Error::EmptyReduction(ref m)) if m.contains("All-NaN")), "{r:?} {ch:?}");
        }
    }
}

#[test]
fn sort_argsort_partition_topk_match_numpy() {
    fn run<T: Ordered>(w: &str) {
        let fx = &load();
        let a = input::<T>(fx, &format!("x_{w}"));
        let v = input::<T>(fx, &format!("v_{w}"));
        for ch in chunkings(a.shape()) {
            let x = chunked(&a, &ch);
            let what = |op: &str| format!("{op} {w} {ch:?}");
            for (axis, tag) in
                [(ndchunk::Axes::from(-1isize), "-1"), (0isize.into(), "0"), (ndchunk::Axes::All, "None")]
            {
                check(
                    fx,
                    &format!("sort:x_{w}:{tag}"),
                    &x.sort(axis.clone()).unwrap().compute().unwrap(),
                    &what("sort"),
                );
                check(
                    fx,
                    &format!("argsort:x_{w}:{tag}"),
                    &x.argsort(axis).unwrap().compute().unwrap(),
                    &what("argsort"),
                );
            }
            for kth in [2usize, 4] {
                // NumPy fixes only the kth position; the parts before/after are in any order
                let got = x.partition(kth as isize, -1).unwrap().compute().unwrap();
                let want = input::<T>(fx, &format!("partition:x_{w}:{kth}"));
                for (g, wl) in got.lanes(Axis(1)).into_iter().zip(want.lanes(Axis(1))) {
                    let key = |e: &T| e.sort_key();
                    assert_eq!(key(&g[kth]), key(&wl[kth]), "{}", what("partition"));
                    assert!(g.iter().take(kth).all(|e| key(e) <= key(&g[kth])), "{}", what("partition before"));
                    assert!(g.iter().skip(kth + 1).all(|e| key(e) >= key(&g[kth])), "{}", what("partition after"));
                }
            }
            for (k, axis) in [(3isize, 1isize), (-2, 1), (2, 0), (-4, 0)] {
                let name = format!("topk:x_{w}:{k}:{axis}");
                check(fx, &name, &x.topk(k, axis).unwrap().compute().unwrap(), &what("topk"));
                // argtopk: the positions of those values (ties may be any of the equal elements)
                let idx = x.argtopk(k, axis).unwrap().compute().unwrap();
                let ax = Axis(axis as usize);
                let mut gathered = idx.mapv(|_| T::zero());
                for ((il, mut gl), al) in idx.lanes(ax).into_iter().zip(gathered.lanes_mut(ax)).zip(a.lanes(ax)) {
                    for (g, &i) in gl.iter_mut().zip(il) {
                        *g = al[i as usize];
                    }
                }
                check(fx, &name, &gathered, &what("argtopk"));
            }
        }
        for ch in chunkings(v.shape()) {
            let y = chunked(&v, &ch);
            check(fx, &format!("sort:v_{w}:-1"), &y.sort(-1).unwrap().compute().unwrap(), &format!("sort v {ch:?}"));
            check(
                fx,
                &format!("argsort:v_{w}:-1"),
                &y.argsort(-1).unwrap().compute().unwrap(),
                &format!("argsort v {ch:?}"),
            );
        }
    }
    for_widths!(run);
}

#[test]
fn unique_matches_numpy() {
    fn run<T: Ordered>(fx: &HashMap<String, Rec>, name: &str) {
        let a = input::<T>(fx, name);
        for ch in chunkings(a.shape()) {
            for split_every in [None, Some(2)] {
                let x = chunked(&a, &ch);
                let what = |p: &str| format!("{p} {name} {ch:?} split {split_every:?}");
                let opts = UniqueOptions { return_index: true, return_inverse: true, return_counts: true, split_every };
                let u = x.unique_with(opts).unwrap();
                check(fx, &format!("unique:{name}"), &u.values.compute().unwrap(), &what("values"));
                check(fx, &format!("unique_index:{name}"), &u.indices.unwrap().compute().unwrap(), &what("index"));
                check(
                    fx,
                    &format!("unique_inverse:{name}"),
                    &u.inverse_indices.unwrap().compute().unwrap(),
                    &what("inverse"),
                );
                check(fx, &format!("unique_counts:{name}"), &u.counts.unwrap().compute().unwrap(), &what("counts"));
                let only_counts = UniqueOptions { return_counts: true, split_every, ..Default::default() };
                check(
                    fx,
                    &format!("unique:{name}"),
                    &x.unique_with(only_counts).unwrap().values.compute().unwrap(),
                    &what("values (counts)"),
                );
                // plain `unique`: the same values; NumPy's hash path shows the first NaN-holding
                // value met as the NaN entry, ndchunk the smallest in the sort order (documented)
                let plain = x.unique().unwrap().compute().unwrap();
                check_but_nan_entry(fx, &format!("unique_plain:{name}"), &plain, &what("plain"));
                check(fx, &format!("unique:{name}"), &plain, &what("plain vs sorting unique"));
            }
        }
    }
    let fx = &load();
    run::<C16>(fx, "v_c128");
    run::<C8>(fx, "v_c64");
    run::<C16>(fx, "x_c128");
}

/// [`check`], except that an entry that is NaN on both sides may differ in its other part.
fn check_but_nan_entry<T: Element>(fx: &HashMap<String, Rec>, name: &str, got: &ArrayD<T>, what: &str) {
    let (_, shape, want) = &fx[name];
    assert_eq!(got.shape(), shape.as_slice(), "{what}");
    let g = parts(got);
    for (i, (gp, wp)) in g.chunks(2).zip(want.chunks(2)).enumerate() {
        let nan = |p: &[f64]| p.iter().any(|v| v.is_nan());
        let same = gp.iter().zip(wp).all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
        assert!(same || (nan(gp) && nan(wp)), "{what}: element {i}: {gp:?} vs {wp:?}");
    }
}

#[test]
fn searchsorted_and_sets_match_numpy() {
    let fx = &load();
    let s = input::<C16>(fx, "s_c128");
    let (x, v, t) = (input::<C16>(fx, "x_c128"), input::<C16>(fx, "v_c128"), input::<C16>(fx, "t_c128"));
    for ch in chunkings(s.shape()) {
        let a = chunked(&s, &ch);
        let what = format!("{ch:?}");
        for (q, qn) in [(&x, "x_c128"), (&v, "v_c128")] {
            for qch in chunkings(q.shape()).into_iter().take(2) {
                let qa = chunked(q, &qch);
                for (side, sn) in [(Side::Left, "left"), (Side::Right, "right")] {
                    let got = ndchunk::searchsorted(&a, &qa, side).unwrap().compute().unwrap();
                    check(fx, &format!("searchsorted:s_c128:{qn}:{sn}"), &got, &format!("searchsorted {what} {qch:?}"));
                }
            }
        }
        let (vc, tc) = (chunked(&v, &chunkings(v.shape())[ch.len() % 3]), chunked(&t, &[ch[0].min(7)]));
        check(fx, "isin:v_c128:t_c128", &ndchunk::isin(&vc, &tc).unwrap().compute().unwrap(), &format!("isin {what}"));
        check(
            fx,
            "intersect1d:v_c128:t_c128",
            &ndchunk::intersect1d(&vc, &tc, false).unwrap().compute().unwrap(),
            &what,
        );
        // union1d and setdiff1d use NumPy's plain (hash) unique: the NaN entry may differ, see unique
        let d = ndchunk::setdiff1d(&vc, &tc, false).unwrap().compute().unwrap();
        check_but_nan_entry(fx, "setdiff1d:v_c128:t_c128", &d, &format!("setdiff1d {what}"));
        let un = ndchunk::union1d(&vc, &tc).unwrap().compute().unwrap();
        check_but_nan_entry(fx, "union1d:v_c128:t_c128", &un, &format!("union1d {what}"));
    }
    for ch in chunkings(x.shape()) {
        let got = ndchunk::isin(&chunked(&x, &ch), &chunked(&t, &[3])).unwrap().compute().unwrap();
        check(fx, "isin:x_c128:t_c128", &got, &format!("isin x {ch:?}"));
    }
}

#[test]
fn empty_and_zero_d_inputs() {
    let e = ChunkedArray::from_array(ArrayD::<C16>::zeros(IxDyn(&[0])), vec![1]).unwrap();
    assert_eq!(e.sort(0).unwrap().compute().unwrap().len(), 0);
    assert_eq!(e.argsort(0).unwrap().compute().unwrap().len(), 0);
    assert_eq!(e.unique().unwrap().compute().unwrap().len(), 0);
    assert_eq!(e.topk(2, 0).unwrap().compute().unwrap().len(), 0);
    assert_eq!(e.gt(&e).unwrap().compute().unwrap().len(), 0);
    // NumPy: "zero-size array to reduction operation minimum which has no identity"
    assert!(matches!(e.min(None).and_then(|r| r.compute()), Err(Error::EmptyReduction(_))));
    assert!(matches!(e.nanmax(None).and_then(|r| r.compute()), Err(Error::EmptyReduction(_))));
    assert!(matches!(e.argmax(None).and_then(|r| r.compute()), Err(Error::EmptyReduction(_))));
    // 0-d: the value itself
    let z = Complex::new(2.0, f64::NAN);
    let s = ChunkedArray::from_array(ndarray::arr0(z).into_dyn(), Vec::<usize>::new()).unwrap();
    assert!(s.max(None).unwrap().compute().unwrap().into_iter().all(|v| v.is_nan() && v.re == 2.0));
    assert_eq!(s.argmin(None).unwrap().compute().unwrap().into_iter().collect::<Vec<_>>(), vec![0]);
    assert_eq!(s.nanmax(None).unwrap().compute().unwrap().into_iter().next().unwrap().re, 2.0);
    assert!(s.lt(Complex::new(3.0, 0.0)).unwrap().compute().unwrap().into_iter().all(|b| !b));
}

#[test]
fn bad_arguments_are_typed_errors() {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |p| Complex::new(p[0] as f64, -(p[1] as f64)));
    let x = ChunkedArray::from_array(a, vec![2, 3]).unwrap();
    assert!(matches!(x.min(2), Err(Error::Axis { .. })));
    assert!(matches!(x.argmax(-3), Err(Error::Axis { .. })));
    assert!(matches!(x.sort(5), Err(Error::Axis { .. })));
    assert!(matches!(x.topk(2, 7), Err(Error::Axis { .. })));
    assert!(matches!(x.partition(4, 1), Err(Error::Value(_))));
    assert!(matches!(x.partition(-5, 1), Err(Error::Value(_))));
    let y = ChunkedArray::from_array(ArrayD::<C16>::zeros(IxDyn(&[2, 3])), vec![1, 1]).unwrap();
    assert!(x.gt(&y).is_err());
    assert!(x.maximum(&y).is_err());
}

// ----- proptest against a transcription of NumPy's C rules -----

/// `CLT`, `CLE`, `CGT`, `CGE` of numpy/_core/src/umath/loops_utils (`numpy/_core/src/umath/loops.c.src`).
fn np_cmp(op: &str, x: C16, y: C16) -> bool {
    let (xr, xi, yr, yi) = (x.re, x.im, y.re, y.im);
    let ok = !xi.is_nan() && !yi.is_nan();
    match op {
        "lt" => (xr < yr && ok) || (xr == yr && xi < yi),
        "le" => (xr < yr && ok) || (xr == yr && xi <= yi),
        "gt" => (xr > yr && ok) || (xr == yr && xi > yi),
        _ => (xr > yr && ok) || (xr == yr && xi >= yi),
    }
}

/// `CFLOAT_LT` of numpy/_core/src/npysort/npysort_common.h: NumPy's complex sort order.
fn np_sort_lt(a: C16, b: C16) -> bool {
    // (NumPy's `x == x` / `x != x` written as `!is_nan()` / `is_nan()`)
    if a.re < b.re {
        !a.im.is_nan() || b.im.is_nan()
    } else if a.re > b.re {
        b.im.is_nan() && !a.im.is_nan()
    } else if a.re == b.re || (a.re.is_nan() && b.re.is_nan()) {
        a.im < b.im || (b.im.is_nan() && !a.im.is_nan())
    } else {
        b.re.is_nan()
    }
}

fn isnan(z: C16) -> bool {
    z.re.is_nan() || z.im.is_nan()
}

/// NumPy's `argmax`/`argmin` loop (`arraytypes.c.src`): the first NaN, else the first extreme.
fn np_arg(v: &[C16], max: bool) -> usize {
    let mut best = 0;
    for (i, &z) in v.iter().enumerate() {
        if isnan(v[best]) {
            break;
        }
        if isnan(z) || if max { np_cmp("gt", z, v[best]) } else { np_cmp("lt", z, v[best]) } {
            best = i;
        }
    }
    best
}

fn part() -> impl Strategy<Value = f64> {
    prop::sample::select(vec![f64::NAN, f64::NEG_INFINITY, -1.0, -0.0, 0.0, 0.5, 1.0, f64::INFINITY])
}

fn arrays() -> impl Strategy<Value = (ArrayD<C16>, Vec<usize>)> {
    crate::common::shape_and_chunks().prop_flat_map(|(shape, ch)| {
        let n: usize = shape.iter().product();
        prop::collection::vec((part(), part()), n).prop_map(move |v| {
            let a = ArrayD::from_shape_vec(IxDyn(&shape), v.into_iter().map(|(r, i)| Complex::new(r, i)).collect());
            (a.unwrap(), ch.clone())
        })
    })
}

fn same(a: C16, b: C16) -> bool {
    (a.re == b.re || (a.re.is_nan() && b.re.is_nan())) && (a.im == b.im || (a.im.is_nan() && b.im.is_nan()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn prop_order_matches_numpy_rules((a, ch) in arrays()) {
        let x = ChunkedArray::from_array(a.clone(), ch.clone()).unwrap();
        let flat: Vec<C16> = a.iter().copied().collect();
        let rev: Vec<C16> = flat.iter().rev().copied().collect();
        let y = ChunkedArray::from_array(ArrayD::from_shape_vec(a.raw_dim(), rev.clone()).unwrap(), ch).unwrap();
        for (op, got) in [("lt", x.lt(&y)), ("le", x.le(&y)), ("gt", x.gt(&y)), ("ge", x.ge(&y))] {
            let got: Vec<bool> = got.unwrap().compute().unwrap().into_iter().collect();
            let want: Vec<bool> = flat.iter().zip(&rev).map(|(&p, &q)| np_cmp(op, p, q)).collect();
            prop_assert_eq!(got, want, "{}", op);
        }
        // maximum: the first when it has a NaN part or is >=, else the second (loops.c.src)
        let mx: Vec<C16> = x.maximum(&y).unwrap().compute().unwrap().into_iter().collect();
        for ((&p, &q), m) in flat.iter().zip(&rev).zip(&mx) {
            let want = if isnan(p) || np_cmp("ge", p, q) { p } else { q };
            prop_assert!(same(*m, want), "maximum({:?}, {:?}) = {:?}", p, q, m);
        }
        // stable argsort of the flattened array under CFLOAT_LT
        let mut idx: Vec<usize> = (0..flat.len()).collect();
        idx.sort_by(|&i, &j| {
            if np_sort_lt(flat[i], flat[j]) { std::cmp::Ordering::Less }
            else if np_sort_lt(flat[j], flat[i]) { std::cmp::Ordering::Greater }
            else { std::cmp::Ordering::Equal }
        });
        let got: Vec<i64> = x.argsort(None).unwrap().compute().unwrap().into_iter().collect();
        prop_assert_eq!(got, idx.iter().map(|&i| i as i64).collect::<Vec<_>>());
        if !flat.is_empty() {
            let am = x.argmax(None).unwrap().compute().unwrap().into_iter().next().unwrap();
            prop_assert_eq!(am as usize, np_arg(&flat, true));
            let an = x.argmin(None).unwrap().compute().unwrap().into_iter().next().unwrap();
            prop_assert_eq!(an as usize, np_arg(&flat, false));
            let m = x.min(None).unwrap().compute().unwrap().into_iter().next().unwrap();
            prop_assert!(same(m, flat[np_arg(&flat, false)]));
            // unknown chunk sizes (a boolean mask): min by NumPy's sequential `minimum.reduce`
            let finite: Vec<C16> = flat.iter().copied().filter(|z| z.re.is_finite() && z.im.is_finite()).collect();
            let m = x.mask(&x.isfinite()).unwrap().min(None).and_then(|r| r.compute());
            match finite.first() {
                None => prop_assert!(matches!(m, Err(Error::EmptyReduction(_)))),
                Some(&f0) => {
                    let want = finite.iter().fold(f0, |acc, &z| if np_cmp("le", acc, z) { acc } else { z });
                    prop_assert!(same(m.unwrap().into_iter().next().unwrap(), want));
                }
            }
            // unique: distinct under the sort order, every NaN-holding value one entry (the smallest)
            let u: Vec<C16> = x.unique().unwrap().compute().unwrap().into_iter().collect();
            let mut want: Vec<C16> = idx.iter().map(|&i| flat[i]).collect();
            want.dedup_by(|b, a| (isnan(*a) && isnan(*b)) || (!np_sort_lt(*a, *b) && !np_sort_lt(*b, *a)));
            prop_assert_eq!(u.len(), want.len());
            for (g, w) in u.iter().zip(&want) {
                prop_assert!(same(*g, *w) || (g == w), "unique {:?} vs {:?}", u, want);
            }
        }
    }
}

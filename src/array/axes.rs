//! `Axes`: which axes a reduction runs over, written as NumPy users write `axis=`.

use crate::error::{Error, Result};

/// Axes of a reduction: `None` (all), one axis (negative counts from the end), or several.
///
/// ```
/// use ndchunk::array::axes::Axes;
/// assert_eq!(Axes::from(None).resolve(3).unwrap(), vec![0, 1, 2]);
/// assert_eq!(Axes::from(-1).resolve(3).unwrap(), vec![2]);
/// assert_eq!(Axes::from([2, 0]).resolve(3).unwrap(), vec![0, 2]);
/// assert!(Axes::from(3).resolve(3).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Axes {
    /// Every axis.
    All,
    /// These axes (negative values count from the end).
    Some(Vec<isize>),
}

impl Axes {
    /// Sorted, unique, non-negative axes for an array of `ndim` dimensions. An axis out of
    /// range is [`Error::Axis`]; an axis given twice is [`Error::Value`] (NumPy's
    /// `ValueError: duplicate value in 'axis'`).
    pub fn resolve(&self, ndim: usize) -> Result<Vec<usize>> {
        match self {
            Axes::All => Ok((0..ndim).collect()),
            Axes::Some(v) => {
                let mut out = Vec::with_capacity(v.len());
                for &a in v {
                    let r = crate::array::structure::resolve_axis(a, ndim)?;
                    if out.contains(&r) {
                        return Err(Error::Value(format!("duplicate value in axis: {v:?}")));
                    }
                    out.push(r);
                }
                out.sort_unstable();
                Ok(out)
            }
        }
    }
}

impl From<Option<usize>> for Axes {
    fn from(a: Option<usize>) -> Self {
        match a {
            None => Axes::All,
            Some(a) => Axes::Some(vec![saturate(a)]),
        }
    }
}

macro_rules! axes_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Axes {
            fn from(a: $t) -> Self {
                Axes::Some(vec![saturate(a)])
            }
        }
        impl<const N: usize> From<[$t; N]> for Axes {
            fn from(a: [$t; N]) -> Self {
                Axes::Some(a.iter().map(|&x| saturate(x)).collect())
            }
        }
        impl From<&[$t]> for Axes {
            fn from(a: &[$t]) -> Self {
                Axes::Some(a.iter().map(|&x| saturate(x)).collect())
            }
        }
        impl From<Vec<$t>> for Axes {
            fn from(a: Vec<$t>) -> Self {
                Axes::Some(a.iter().map(|&x| saturate(x)).collect())
            }
        }
    )*};
}

axes_from_int!(usize, isize, i32);

/// An axis as `isize`; values beyond `isize::MAX` (a `usize::MAX` typed by mistake) become
/// `isize::MAX`, which every array rejects with [`Error::Axis`] instead of wrapping to `-1`.
fn saturate<I: TryInto<isize>>(a: I) -> isize {
    a.try_into().unwrap_or(isize::MAX)
}

//! Deterministic randomness without dependencies: splitmix64 as a generator, and keyed
//! streams so that any value can be derived again from the seed and the indices it describes
//! (a student's name from the student's number), without carrying generator state from one
//! output file to the next.

/// The splitmix64 output function: a strong 64-bit mixer.
pub const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A splitmix64 generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// The generator of one purpose (`tag`) and one subject (`parts`, e.g. a school and a
    /// grade) under `seed`. Different tags or parts give unrelated streams.
    pub fn keyed(seed: u64, tag: u64, parts: &[u64]) -> Rng {
        let mut state = mix(seed ^ mix(tag.wrapping_add(0x5851_F42D_4C95_7F2D)));
        for &p in parts {
            state = mix(state ^ mix(p.wrapping_add(0x9E37_79B9_7F4A_7C15)));
        }
        Rng(state)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n`; `n` must be positive. Multiply-shift: the bias is below 2^-32 for
    /// the small ranges used here.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `per_mille`/1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given weights (not all zero).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len() - 1
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Splits `total` into parts proportional to `weights` (largest remainders; ties go to the
/// earlier part), so that the parts always add up to `total`.
pub fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u64 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<u64> = weights
        .iter()
        .map(|&w| (u128::from(total) * u128::from(w) / u128::from(sum)) as u64)
        .collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    let rem = |i: usize| u128::from(total) * u128::from(weights[i]) % u128::from(sum);
    order.sort_by(|&a, &b| rem(b).cmp(&rem(a)).then(a.cmp(&b)));
    let missing = total - parts.iter().sum::<u64>();
    for &i in order.iter().take(missing as usize) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4)
            .map(|_| Rng::keyed(7, 1, &[2, 3]).next_u64())
            .collect();
        assert!(a.iter().all(|&x| x == a[0]));
        let mut r = Rng::keyed(7, 1, &[2, 3]);
        let first = r.next_u64();
        assert_ne!(first, r.next_u64());
        assert_ne!(first, Rng::keyed(8, 1, &[2, 3]).next_u64());
        assert_ne!(first, Rng::keyed(7, 2, &[2, 3]).next_u64());
        assert_ne!(first, Rng::keyed(7, 1, &[3, 2]).next_u64());
    }

    #[test]
    fn draws_stay_in_range_and_cover_it() {
        let mut r = Rng::keyed(1, 1, &[]);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[r.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (850..1150).contains(&n)), "{seen:?}");
        for _ in 0..1000 {
            assert!((-3..=4).contains(&r.between(-3, 4)));
        }
        let mut w = [0u32; 3];
        for _ in 0..4000 {
            w[r.weighted(&[1, 0, 3])] += 1;
        }
        assert_eq!(w[1], 0);
        assert!((2700..3300).contains(&w[2]), "{w:?}");
    }

    #[test]
    fn shuffles_are_permutations() {
        let mut v: Vec<u32> = (0..100).collect();
        Rng::keyed(3, 3, &[]).shuffle(&mut v);
        assert_ne!(v, (0..100).collect::<Vec<_>>());
        v.sort_unstable();
        assert_eq!(v, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn apportion_adds_up() {
        assert_eq!(apportion(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0, 5]), vec![0, 7]);
        assert_eq!(apportion(5, &[0, 0]), vec![0, 0]);
        let parts = apportion(100_003, &[97, 103, 88, 120, 101]);
        assert_eq!(parts.iter().sum::<u64>(), 100_003);
    }
}

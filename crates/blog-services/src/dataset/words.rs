//! The dataset's text: a fixed vocabulary, rare made-up words, and the PRNG
//! that picks them.

/// The words posts are written in. `django`, `performance`, `optimization` and
/// `async` are among them, so they appear in most posts.
pub(super) const VOCABULARY: &[&str] = &[
    "django",
    "performance",
    "optimization",
    "async",
    "rust",
    "database",
    "query",
    "cache",
    "index",
    "server",
    "request",
    "response",
    "latency",
    "throughput",
    "thread",
    "memory",
    "pool",
    "connection",
    "transaction",
    "schema",
    "migration",
    "template",
    "view",
    "model",
    "deploy",
    "container",
    "proxy",
    "benchmark",
    "profile",
    "compile",
    "runtime",
    "future",
    "stream",
    "buffer",
    "socket",
    "network",
    "storage",
    "replica",
    "shard",
    "search",
    "token",
    "session",
    "worker",
    "queue",
    "event",
    "metric",
    "trace",
    "log",
    "error",
    "test",
    "build",
    "release",
    "feature",
    "design",
    "pattern",
    "layer",
    "service",
    "client",
    "frontend",
    "backend",
    "the",
    "a",
    "and",
    "of",
    "to",
    "with",
    "for",
    "in",
    "on",
    "fast",
    "slow",
    "simple",
    "robust",
    "modern",
    "scalable",
    "reliable",
    "efficient",
    "small",
    "large",
];

/// Syllables of the rare words: 8^3 = 512 made-up words, each in a few dozen
/// posts of a 20,000-post dataset (the "rare word" of search benchmarks).
const SYLLABLES: [&str; 8] = ["ka", "lo", "mi", "ru", "ze", "ta", "vo", "ni"];
/// Out of 1,000 words of content, how many are rare words.
const RARE_PER_MILLE: u64 = 2;

/// SplitMix64: tiny, fast and its output never changes between versions, which a
/// dataset that must be the same across machines and years needs.
pub(super) struct SplitMix64(u64);

impl SplitMix64 {
    pub(super) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub(super) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        let span = hi - lo + 1;
        lo + ((u128::from(self.next()) * u128::from(span)) >> 64) as u64
    }

    /// `k` distinct values of `1..=n`, in random order (partial Fisher-Yates).
    pub(super) fn distinct(&mut self, k: usize, n: u64) -> Vec<u64> {
        let mut pool: Vec<u64> = (1..=n).collect();
        let k = k.min(pool.len());
        for i in 0..k {
            let j = self.range(i as u64, n - 1) as usize;
            pool.swap(i, j);
        }
        pool.truncate(k);
        pool
    }

    /// `count` words of the vocabulary, with the odd rare word.
    pub(super) fn words(&mut self, count: usize) -> String {
        let mut text = String::with_capacity(count * 8);
        for i in 0..count {
            if i > 0 {
                text.push(' ');
            }
            if self.range(1, 1000) <= RARE_PER_MILLE {
                for _ in 0..3 {
                    text.push_str(SYLLABLES[self.range(0, 7) as usize]);
                }
            } else {
                text.push_str(VOCABULARY[self.range(0, VOCABULARY.len() as u64 - 1) as usize]);
            }
        }
        text
    }
}

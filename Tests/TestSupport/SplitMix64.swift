import Conformance

/// SplitMix64 (Steele, Lea and Flood, 2014), the conformance campaign's generator: a fixed stream
/// of 64-bit numbers from a seed, for tests whose random inputs must be the same on every run, so
/// that a failure reproduces.
public typealias SplitMix64 = RandomScenes.Generator

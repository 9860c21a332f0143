import AnonVMASim

/// The resources a command may use: the model's ``Budget`` and the process's memory.
///
/// Memory is measured, not estimated: the executable passes a probe (the resident set size) and
/// the timeline and the race explorer read it after each step or every few hundred states. The
/// pure modules never read it themselves.
public struct Limits: Sendable {
  public var budget: Budget
  /// Resident memory allowed, in bytes.
  public var memoryBytes: Int
  /// The process's resident memory in bytes; nil: not measured (tests, the fuzzer).
  public var memoryProbe: (@Sendable () -> Int)?

  public init(budget: Budget = Budget(), memoryBytes: Int = 2 << 30, memoryProbe: (@Sendable () -> Int)? = nil) {
    self.budget = budget
    self.memoryBytes = memoryBytes
    self.memoryProbe = memoryProbe
  }

  /// The limit reached when the process uses more memory than allowed (a phrase: "... exceeds
  /// the memory budget of N MB; raise it with --max-memory").
  public func memoryExceeded() -> String? {
    guard let probe = memoryProbe, probe() > memoryBytes else { return nil }
    return "the memory budget of \(memoryBytes >> 20) MB; raise it with --max-memory"
  }
}

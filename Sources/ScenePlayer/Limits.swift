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
  /// Told what long work has done (steps built, states explored) and how much there is, if
  /// known; it answers false to stop the work (ctrl-C). Called often: it must be cheap.
  public var progress: (@Sendable (_ done: Int, _ total: Int?) -> Bool)?

  public init(
    budget: Budget = Budget(), memoryBytes: Int = 2 << 30, memoryProbe: (@Sendable () -> Int)? = nil,
    progress: (@Sendable (_ done: Int, _ total: Int?) -> Bool)? = nil
  ) {
    self.budget = budget
    self.memoryBytes = memoryBytes
    self.memoryProbe = memoryProbe
    self.progress = progress
  }

  /// Whether the work may go on (false once the progress sink asked to stop).
  func proceed(_ done: Int, of total: Int?) -> Bool { progress?(done, total) ?? true }

  /// The limit reached when the process uses more memory than allowed (a phrase: "... exceeds
  /// the memory budget of N MB; raise it with --max-memory").
  public func memoryExceeded() -> String? {
    guard let probe = memoryProbe, probe() > memoryBytes else { return nil }
    return "the memory budget of \(memoryBytes >> 20) MB; raise it with --max-memory"
  }
}

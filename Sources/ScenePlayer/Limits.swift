import AnonVMASim

/// The resources a command may use: the model's ``Budget``, the process's memory and, for a race
/// search, time.
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
  /// Told how a race search is going (instead of `progress`, when set); it answers false to
  /// stop the search (ctrl-C, SIGTERM). Called every few dozen states: it must be cheap.
  public var searching: (@Sendable (SearchProgress) -> Bool)?
  /// Time a race search may take, counted from `start` (`races --max-time`); nil: no bound.
  public var time: Duration?
  /// When the command started.
  public var start: ContinuousClock.Instant
  /// The clock the time bound reads (tests pass one that runs fast).
  public var clock: @Sendable () -> ContinuousClock.Instant

  public init(
    budget: Budget = Budget(), memoryBytes: Int = 2 << 30, memoryProbe: (@Sendable () -> Int)? = nil,
    progress: (@Sendable (_ done: Int, _ total: Int?) -> Bool)? = nil, time: Duration? = nil,
    clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
  ) {
    self.budget = budget
    self.memoryBytes = memoryBytes
    self.memoryProbe = memoryProbe
    self.progress = progress
    self.time = time
    self.clock = clock
    start = clock()
  }

  /// Whether the work may go on (false once the progress sink asked to stop).
  func proceed(_ done: Int, of total: Int?) -> Bool { progress?(done, total) ?? true }

  /// Whether a race search may go on: told `searching` if set, else `progress`.
  func proceed(_ search: SearchProgress) -> Bool {
    if let searching { return searching(search) }
    return proceed(search.states, of: search.maxStates)
  }

  /// The limit reached when the process uses more memory than allowed (a phrase: "... exceeds
  /// the memory budget of N MB; raise it with --max-memory").
  public func memoryExceeded() -> String? {
    guard let probe = memoryProbe, probe() > memoryBytes else { return nil }
    return "the memory budget of \(memoryBytes >> 20) MB; raise it with --max-memory"
  }

  /// The time used, when it is past the time bound.
  func timeExceeded() -> Duration? {
    guard let time else { return nil }
    let used = clock() - start
    return used > time ? used : nil
  }
}

/// How a race search is going, as ``Limits/searching`` is told it.
public struct SearchProgress: Sendable, Equatable {
  /// Distinct states visited.
  public var states: Int
  /// The `--max-states` bound.
  public var maxStates: Int
  /// States reached and not yet expanded (the breadth-first frontier).
  public var queue: Int
  /// The schedule length (micro-steps) of the states being expanded.
  public var depth: Int
  /// Micro-steps tried.
  public var transitions: Int
}

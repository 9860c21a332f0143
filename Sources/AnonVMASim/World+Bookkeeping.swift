extension World {
  /// What the engine records about a run beside the kernel state: the step being run, the
  /// violations reported, the last walk's outcome and what changed since the last invariant
  /// check.
  ///
  /// Not part of the state: `==` and hashing ignore it, so two schedules that reach the same
  /// kernel state give equal worlds (the race explorer deduplicates states by `==`).
  public struct Bookkeeping: Sendable, Hashable {
    /// The step being run (stamped on created objects and violations).
    public var step = 0
    public var violations: [Violation] = []
    /// anon_vmas freed during the current step, in order.
    public var freedThisStep: [AnonVMAID] = []
    /// The outcome of the most recent reverse-map walk.
    public var lastWalk: RmapWalk?
    /// Processes whose page tables or VMA chains changed since the last invariant check (so the
    /// page-safety check C12 looks only at what can have changed).
    public var touchedProcesses: TouchList<Process> = []
    /// anon_vmas whose fields changed since the last invariant check.
    public var touchedAnonVMAs: TouchList<AnonVMA> = []
    /// anon_vma_chains allocated, linked, unlinked or freed since the last invariant check, each
    /// with the anon_vma it was linked to when marked (0: none), so C1 looks at them and not at
    /// whole lists.
    public var touchedAVCs: [TouchedAVC] = []

    public init() {}

    /// Always equal: bookkeeping is not state.
    public static func == (a: Bookkeeping, b: Bookkeeping) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}
  }

  /// The step being run (``Bookkeeping/step``).
  public var step: Int {
    get { bookkeeping.step }
    _modify { yield &bookkeeping.step }
  }
  /// The violations reported so far (``Bookkeeping/violations``).
  public var violations: [Violation] {
    get { bookkeeping.violations }
    _modify { yield &bookkeeping.violations }
  }
  /// anon_vmas freed during the current step (``Bookkeeping/freedThisStep``).
  public var freedThisStep: [AnonVMAID] {
    get { bookkeeping.freedThisStep }
    _modify { yield &bookkeeping.freedThisStep }
  }
  /// The outcome of the most recent reverse-map walk (``Bookkeeping/lastWalk``).
  public var lastWalk: RmapWalk? {
    get { bookkeeping.lastWalk }
    _modify { yield &bookkeeping.lastWalk }
  }
  /// ``Bookkeeping/touchedProcesses``.
  public var touchedProcesses: TouchList<Process> {
    get { bookkeeping.touchedProcesses }
    _modify { yield &bookkeeping.touchedProcesses }
  }
  /// ``Bookkeeping/touchedAnonVMAs``.
  public var touchedAnonVMAs: TouchList<AnonVMA> {
    get { bookkeeping.touchedAnonVMAs }
    _modify { yield &bookkeeping.touchedAnonVMAs }
  }
  /// ``Bookkeeping/touchedAVCs``.
  public var touchedAVCs: [TouchedAVC] {
    get { bookkeeping.touchedAVCs }
    _modify { yield &bookkeeping.touchedAVCs }
  }
}

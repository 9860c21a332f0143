import Synchronization

/// A terminal with no screen: it keeps the frames drawn, reads keys from a script and measures
/// time on a `ManualClock`. Tests drive the app through it, `record` renders casts with it and the
/// bench measures key to frame on it (ratatui's `TestBackend`, swift-nio's `EmbeddedChannel`).
public final class HeadlessTerminal: TerminalBackend {
  public private(set) var size: (width: Int, height: Int)
  /// Every frame drawn, oldest first (when `keepsFrames` is false, each draw replaces the last).
  public private(set) var frames: [Buffer] = []
  /// The cells the last draw changed: what a real terminal would have been sent.
  public private(set) var lastChanges: [CellChange] = []
  /// Whether `frames` keeps every frame; a long run (the bench) keeps only the last.
  public var keepsFrames: Bool
  /// Whether a draw works out `lastChanges`, as a real terminal's diff does (the bench's key to
  /// frame counts it); a recorder that encodes the changes itself turns it off.
  public var computesChanges = true
  /// The clock the script's waits run on: a read that finds no input lets its timeout pass here.
  public let clock: ManualClock
  /// When true, a read with nothing left in the script hangs up (SIGHUP, as a closed terminal),
  /// so `Runtime.run()` ends even if the script does not quit.
  public var hangsUpWhenIdle = false
  /// Whether `end()` was called (the runtime restores the terminal on every exit path).
  public private(set) var ended = false

  private enum Scripted {
    case key(Key)
    case mouse(MouseEvent)
    case resize(width: Int, height: Int)
  }

  private var script: [Scripted] = []
  private var next = 0
  private var onScreen: Buffer?
  private var signal: Int32?

  public init(width: Int, height: Int, clock: ManualClock = ManualClock(), keepsFrames: Bool = true) {
    size = (width, height)
    self.clock = clock
    self.keepsFrames = keepsFrames
  }

  /// The frame on screen (the last one drawn).
  public var screen: Buffer? { onScreen }

  /// Queues keys to be read, in order.
  public func send(_ keys: Key...) { send(keys) }

  /// Queues keys to be read, in order.
  public func send(_ keys: [Key]) { script += keys.map { .key($0) } }

  /// Queues text typed key by key (`\n` as Enter).
  public func type(_ text: String) { send(text.map { $0 == "\n" ? .enter : .char($0) }) }

  /// Queues a mouse event (a click or a turn of the wheel at a cell).
  public func mouse(_ event: MouseEvent) { script.append(.mouse(event)) }

  /// Queues a resize: when it is read the terminal has the new size.
  public func resize(width: Int, height: Int) { script.append(.resize(width: width, height: height)) }

  /// Delivers a signal: the runtime ends the session at its next turn.
  public func raise(_ signal: Int32) { self.signal = signal }

  /// How many scripted inputs have not been read yet.
  public var pendingInput: Int { script.count - next }

  public func draw(_ frame: Buffer) {
    if computesChanges { lastChanges = frame.diff(from: onScreen) }
    onScreen = frame
    if keepsFrames || frames.isEmpty {
      frames.append(frame)
    } else {
      frames[frames.count - 1] = frame
    }
  }

  public func invalidate() { onScreen = nil }

  public func read(timeout milliseconds: Int) -> TerminalInput? {
    guard next < script.count else {
      clock.advance(by: .milliseconds(milliseconds))
      if hangsUpWhenIdle { signal = signal ?? 1 }
      return nil
    }
    let item = script[next]
    next += 1
    if next == script.count {
      script.removeAll(keepingCapacity: true)
      next = 0
    }
    switch item {
    case .key(let key): return .key(key)
    case .mouse(let event): return .mouse(event)
    case .resize(let width, let height):
      size = (width, height)
      return .resize
    }
  }

  public func pendingSignal() -> Int32? {
    defer { signal = nil }
    return signal
  }

  public func end() { ended = true }
}

/// A clock that moves only when told, so the same script gives the same times on every run.
public final class ManualClock: Clock, Sendable {
  /// A point on the clock: the time since the clock was made.
  public struct Instant: InstantProtocol, Sendable {
    public var offset: Duration

    public init(offset: Duration) { self.offset = offset }
    public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
    public func duration(to other: Instant) -> Duration { other.offset - offset }
    public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
  }

  private let current = Mutex(Duration.zero)

  public init() {}

  public var now: Instant { Instant(offset: current.withLock { $0 }) }

  public var minimumResolution: Duration { .nanoseconds(1) }

  /// Moves the clock forward.
  public func advance(by duration: Duration) { current.withLock { $0 += duration } }

  /// Returns at once, the clock moved to the deadline: waiting is the script's to decide.
  public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
    current.withLock { $0 = max($0, deadline.offset) }
  }
}

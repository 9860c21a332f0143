import TermRender

/// A frame as the runtime drew it, for observers such as the cast recorder.
public struct DrawnFrame: Sendable {
  public var buffer: Buffer
  /// The state drawn.
  public var state: AppState
  /// Time since the runtime started, on its clock.
  public var time: Duration
  /// Whether the step on screen is new: the first frame, or a `stepChanged` effect since the
  /// frame before (recorders put a marker).
  public var stepChanged: Bool

  public init(buffer: Buffer, state: AppState, time: Duration, stepChanged: Bool) {
    self.buffer = buffer
    self.state = state
    self.time = time
    self.stepChanged = stepChanged
  }
}

/// The app's loop, after bubbletea's `Program`: the one place where `reduce` meets input,
/// `render` meets a terminal, and effects are run. Live play runs it on `NcursesTerminal` and
/// `ContinuousClock`; `record`, the tests and the bench on `HeadlessTerminal` and its
/// `ManualClock`. Generic over both, so nothing on the key-to-frame path is dispatched dynamically.
public struct Runtime<Backend: TerminalBackend, C: Clock> where C.Duration == Duration {
  /// Why the loop ended.
  public enum Exit: Sendable, Hashable {
    /// The user quit (`q`, ctrl-D).
    case quit
    /// A signal arrived (the exit status is 128 + it).
    case signal(Int32)
  }

  public var state: AppState
  public let backend: Backend
  public let clock: C
  /// When the runtime started: frame times count from here.
  public let start: C.Instant
  /// Runs the `save` effect (the app core does no I/O): writes `text` to `path` and returns the
  /// message to show. Without one, saving says it is not available.
  public var save: (_ path: String, _ text: String) -> Notice = { _, _ in .error("saving is not available here") }
  /// Told of every frame drawn (the live recorder).
  public var onFrame: ((DrawnFrame) -> Void)?
  /// The most keys handled before the next frame when input is already waiting (a paste); the
  /// rest waits in the terminal's queue, never dropped.
  public var batchLimit = 512
  private var lastTick: C.Instant
  private var stepChanged = true

  public init(state: AppState, backend: Backend, clock: C) {
    self.state = state
    self.backend = backend
    self.clock = clock
    start = clock.now
    lastTick = start
  }

  /// Renders the state at the terminal's size and draws it (the terminal sends only the changes).
  public mutating func draw() {
    let size = backend.size
    let frame = state.frame(width: size.width, height: size.height)
    backend.draw(frame)
    if let onFrame {
      onFrame(DrawnFrame(buffer: frame, state: state, time: start.duration(to: clock.now), stepChanged: stepChanged))
    }
    stepChanged = false
  }

  /// Handles one input: a key or a mouse event goes through `reduce` and its effects are run; a
  /// resize makes the next frame repaint the whole screen. Returns `.quit` when the app quits.
  public mutating func handle(_ input: TerminalInput) -> Exit? {
    switch input {
    case .resize:
      backend.invalidate()
      return nil
    case .key(let key):
      return run(state.reduce(.key(key)))
    case .mouse(let event):
      let size = backend.size
      return run(state.reduce(.mouse(event, width: size.width, height: size.height)))
    }
  }

  /// One key to one frame: what a person waits for after pressing a key (the bench's figure).
  public mutating func press(_ key: Key) -> Exit? {
    if let exit = handle(.key(key)) { return exit }
    draw()
    return nil
  }

  /// Tells the state how much time passed since the last tick (auto-play advances on it).
  public mutating func tick() -> Exit? {
    let now = clock.now
    let elapsed = lastTick.duration(to: now)
    lastTick = now
    let (seconds, attoseconds) = elapsed.components
    return run(state.reduce(.tick(Double(seconds) + Double(attoseconds) / 1e18)))
  }

  /// One turn of the loop: ends on a pending signal; otherwise draws a frame, waits for input
  /// (50 ms while playing, else 250 ms), handles what is already typed (up to `batchLimit`
  /// keys) and lets the time pass.
  public mutating func turn() -> Exit? {
    if let signal = backend.pendingSignal() { return .signal(signal) }
    draw()
    var input = backend.read(timeout: state.playing ? 50 : 250)
    var handled = 0
    while let event = input {
      if let exit = handle(event) { return exit }
      handled += 1
      if handled >= batchLimit { break }
      input = backend.read(timeout: 0)
    }
    return tick()
  }

  /// Runs turns until the app quits or a signal arrives, then restores the terminal.
  /// `between` may change the state after each turn, before the next frame.
  public mutating func run(between: (inout AppState) -> Void = { _ in }) -> Exit {
    defer { backend.end() }
    while true {
      if let exit = turn() { return exit }
      between(&state)
    }
  }

  /// Runs effects in order: `quit` ends the loop, `save` writes through `save`, `stepChanged`
  /// marks the next frame.
  private mutating func run(_ effects: [Effect]) -> Exit? {
    for effect in effects {
      switch effect {
      case .quit: return .quit
      case .save(let path, let text): state.notice = save(path, text)
      case .stepChanged: stepChanged = true
      }
    }
    return nil
  }
}

/// The runtime with no terminal: what `record`, the tests and the bench run.
public typealias HeadlessRuntime = Runtime<HeadlessTerminal, ManualClock>

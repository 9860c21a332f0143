import AppCore
import Foundation
import ScenePlayer
import SceneScript
import TermRender

/// The timeline of a scene under scenes/.
public func scene(_ name: String) throws -> Timeline {
  try sceneApp(name).timeline
}

/// The app on a scene under scenes/, with the parsed scene kept (as `play` does, for `c`).
///
/// `view` is the forest view: the matrix unless asked, the view the frames recorded before the
/// diagram became the default pin.
public func sceneApp(_ name: String, fileName: String? = nil, view: ForestView = .matrix) throws -> AppState {
  let source = try String(contentsOf: repoRoot.appendingPathComponent("scenes/\(name)"), encoding: .utf8)
  let parsed = Parser.parse(source)
  var state = AppState(timeline: Timeline(scene: parsed, defaultTitle: name), fileName: fileName ?? name)
  state.scene = parsed
  state.forestView = view
  return state
}

/// The app on scene text.
public func app(_ source: String, options: RenderOptions = RenderOptions(), view: ForestView = .matrix) -> AppState {
  var state = AppState(
    timeline: Timeline(scene: Parser.parse(source), defaultTitle: "t"), fileName: "t.scene", options: options)
  state.forestView = view
  return state
}

/// Drives the app as a person at a terminal would, with no terminal: keys go through the
/// `Runtime` (the loop `play` runs) into a `HeadlessTerminal` on a manual clock, a frame after
/// each key; the test reads the state, the screen and the frames drawn.
public struct AppDriver {
  public let terminal: HeadlessTerminal
  public private(set) var runtime: HeadlessRuntime

  /// Starts the app and draws its first frame.
  public init(_ state: AppState, width: Int = 120, height: Int = 40) {
    terminal = HeadlessTerminal(width: width, height: height)
    runtime = Runtime(state: state, backend: terminal, clock: terminal.clock)
    runtime.draw()
  }

  public var state: AppState { runtime.state }
  /// The frame on screen as text.
  public var screen: String { terminal.screen?.plainText ?? "" }
  /// Every frame drawn so far.
  public var frames: [Buffer] { terminal.frames }

  /// Presses keys one at a time, a frame after each; stops at the key that ends the app and
  /// returns why.
  @discardableResult
  public mutating func press(_ keys: Key...) -> HeadlessRuntime.Exit? {
    for key in keys {
      if let exit = runtime.press(key) { return exit }
    }
    return nil
  }

  /// A click or a turn of the wheel at a cell, then a frame.
  @discardableResult
  public mutating func mouse(_ event: MouseEvent) -> HeadlessRuntime.Exit? {
    if let exit = runtime.handle(.mouse(event)) { return exit }
    runtime.draw()
    return nil
  }

  /// Types text key by key (`\n` as Enter).
  @discardableResult
  public mutating func type(_ text: String) -> HeadlessRuntime.Exit? {
    for c in text {
      if let exit = runtime.press(c == "\n" ? .enter : .char(c)) { return exit }
    }
    return nil
  }

  /// Lets time pass on the clock, then the app sees it (auto-play) and draws a frame.
  @discardableResult
  public mutating func wait(_ duration: Duration) -> HeadlessRuntime.Exit? {
    terminal.clock.advance(by: duration)
    if let exit = runtime.tick() { return exit }
    runtime.draw()
    return nil
  }
}

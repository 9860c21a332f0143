import AnonVMASim
import AppCore
import Foundation
import ScenePlayer
import SceneScript
import TermRender

/// Records a scene headless, from step 0 to the end, on a virtual clock, and measures casts.
public enum SceneRecorder {
  /// The whole cast as text (header and one line per event), byte-identical for the same input:
  /// the runtime on a headless terminal, stepping with `→` once per step on a manual clock.
  ///
  /// With `micro`, after each step `j` steps through its micro-steps, each one its own frame
  /// (held `stepMicros` like a step) with a marker; with `notes`, step markers carry the notes.
  ///
  /// `progress` is told each step before it is drawn; when it answers false (ctrl-C) the cast
  /// stops there, incomplete: the caller discards it.
  public static func cast(
    state initial: AppState, width: Int, height: Int, stepMicros: Int, version: CastVersion,
    micro: Bool = false, notes: Bool = false,
    progress: (_ step: Int, _ steps: Int) -> Bool = { _, _ in true }
  ) -> String {
    var state = initial
    state.go(to: 0)
    let terminal = HeadlessTerminal(width: width, height: height, keepsFrames: false)
    terminal.computesChanges = false  // the cast recorder encodes the changes itself
    var runtime = Runtime(state: state, backend: terminal, clock: terminal.clock)
    var recorder = CastRecorder(version: version, micro: micro, notes: notes)
    var out = recorder.header(width: width, height: height, title: state.timeline.title) + "\n"
    runtime.onFrame = { frame in
      for line in recorder.lines(for: frame) { out += line + "\n" }
    }
    let steps = state.timeline.stepCount
    for k in 0...steps {
      guard progress(k, steps) else { break }
      // A turn draws the state (step k, or its micro-step before), then takes the key.
      for m in 0..<(micro ? state.timeline.events(step: k).count : 0) {
        terminal.send(.char("j"))
        _ = runtime.turn()
        terminal.clock.advance(by: .microseconds(stepMicros))
        guard runtime.state.micro == m else { break }
      }
      terminal.send(.right)
      _ = runtime.turn()
      terminal.clock.advance(by: .microseconds(stepMicros))
    }
    // The last step's micro-steps end on the whole step again (esc leaves them), as the cast
    // without micro-steps ends.
    if micro {
      // The first turn draws what → left (the last micro-step, or the whole step), the second
      // what esc left: the whole step.
      for _ in 0..<2 {
        terminal.send(.escape)
        _ = runtime.turn()
      }
      terminal.clock.advance(by: .microseconds(stepMicros))
    }
    // Hold the last frame for one step, then end as a shell expects (cursor shown, new line).
    out += recorder.end(at: runtime.start.duration(to: terminal.clock.now), height: height) + "\n"
    return out
  }

  /// What changed over all steps of a recording, and the fewest bytes a cast of these frames
  /// can spend drawing it when it draws the changes in screen order (as diff renderers do).
  public struct ChangeTally: Sendable, Hashable {
    /// Cells that differ from the frame before (the first frame: from a blank screen).
    public var cells = 0
    /// Their UTF-8 bytes: the cells' text alone.
    public var bytes = 0
    /// Runs of changed cells in screen order that do not start where the last one ended.
    public var runs = 0
    /// At least 2 bytes to reach each run (CR, LF and BS are the shortest moves in JSON;
    /// rewriting a 1-cell gap costs 1), whatever the encoder.
    public var positioningFloor = 0
    /// At least 8 bytes per style change between consecutive changed cells (`\u001b[m` is the
    /// shortest SGR in JSON).
    public var styleFloor = 0

    /// The floor of the output events' bytes for these frames (text + positioning + styles);
    /// event framing and markers come on top.
    public var outputFloor: Int { bytes + positioningFloor + styleFloor }
  }

  /// Tallies the changes between consecutive frames of a recording (see ``ChangeTally``).
  public static func changedCells(state initial: AppState, width: Int, height: Int) -> ChangeTally {
    var state = initial
    var tally = ChangeTally()
    var previous = Buffer(width: width, height: height)
    for k in 0...state.timeline.stepCount {
      state.go(to: k)
      let frame = state.frame(width: width, height: height)
      // Every update starts in the default style, with the cursor somewhere unknown.
      var at: (x: Int, y: Int)?
      var style = Style.plain
      for change in frame.diff(from: previous) where !change.cell.text.isEmpty {
        tally.cells += 1
        tally.bytes += change.cell.text.utf8.count
        let continuesRun = at.map { $0.x == change.x && $0.y == change.y } ?? false
        if !continuesRun {
          tally.runs += 1
          if let p = at, p.y == change.y, p.x < change.x {
            tally.positioningFloor += min(change.x - p.x, 2)
          } else {
            tally.positioningFloor += 2
          }
        }
        if !ANSIEncoder.transition(from: style, to: change.cell.style, colors: .ansi256).isEmpty {
          tally.styleFloor += 8
          style = change.cell.style
        }
        let w = change.cell.text.first.map { Buffer.displayWidth($0) } ?? 1
        // Past the last column the next character wraps to the next row.
        at = change.x + w >= width ? (0, change.y + 1) : (change.x + w, change.y)
      }
      previous = frame
    }
    return tally
  }

  /// The bytes of a cast's output events as recorded (JSON-escaped): cell text, cursor moves
  /// (CUP, CUU/CUD/CUF/CUB, CHA, CR) and SGR.
  public static func castBreakdown(_ cast: String) -> (text: Int, cursor: Int, style: Int) {
    var text = 0
    var cursor = 0
    var style = 0
    for line in cast.split(separator: "\n").dropFirst() {
      guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any], event.count == 3,
        event[1] as? String == "o", let data = event[2] as? String
      else { continue }
      var scalars = data.unicodeScalars[...]
      while let c = scalars.first {
        if c == "\u{1b}", scalars.dropFirst().first == "[" {
          var sequence = 6 + 1
          scalars = scalars.dropFirst(2)
          while let p = scalars.first, !(p.value >= 0x40 && p.value <= 0x7e) {
            sequence += 1
            scalars = scalars.dropFirst()
          }
          let final = scalars.first
          scalars = scalars.dropFirst()
          sequence += 1
          if final == "m" {
            style += sequence
          } else if final.map({ "ABCDGH".unicodeScalars.contains($0) }) == true {
            cursor += sequence
          }
        } else if c == "\r" {
          cursor += 2
          scalars = scalars.dropFirst()
        } else {
          text += String(c).utf8.count
          scalars = scalars.dropFirst()
        }
      }
    }
    return (text, cursor, style)
  }

}

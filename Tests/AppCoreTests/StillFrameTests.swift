import AppCore
import TermRender
import TestSupport
import Testing

/// Frames no key reaches (`export`, `record`, `render --still`) name no keys: an exported
/// micro-step frame read `in step 5: fork P2 P3  (↑/k back, esc leave)` and its status line
/// `←/→ step  ↓↑ micro  esc leave  g jump  / find  ? help  q quit`, keys a page does not have.
@Suite("Still frames (export, record) name no keys")
struct StillFrameTests {
  /// What the live frames say about keys: each appears in some frame of these scenes.
  static let keyWords = [
    "esc leave", "(j enters)", "(j k step through them)", "PgDn", "? help", "q quit", "tab focuses",
  ]

  /// Every step and micro-step frame of `file` at `size`, as text.
  static func frames(_ file: String, still: Bool, width: Int, height: Int) throws -> [String] {
    var s = try sceneApp(file, view: .diagram)
    s.options.still = still
    var frames: [String] = []
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      frames.append(s.render(width: width, height: height).plainText)
      for m in 0..<s.timeline.events(step: k).count {
        _ = s.reduce(.selectMicro(m))
        frames.append(s.render(width: width, height: height).plainText)
      }
      _ = s.reduce(.selectMicro(nil))
    }
    return frames
  }

  @Test("E2, E3 and E5 at 80x24 and 200x60: still frames hold no key word; the live frames hold each")
  func noKeys() throws {
    var live = Set<String>()
    for (width, height) in [(80, 24), (200, 60)] {
      for file in ["e2-fork-cow.scene", "e3-three-generations.scene", "e5-rmap-coverage.scene"] {
        for frame in try Self.frames(file, still: true, width: width, height: height) {
          let found = Self.keyWords.filter { frame.contains($0) }
          #expect(found.isEmpty, "\(file) \(width)x\(height): \(found)\n\(frame)")
        }
        for frame in try Self.frames(file, still: false, width: width, height: height) {
          live.formUnion(Self.keyWords.filter { frame.contains($0) })
        }
      }
    }
    // The words searched for are the ones the live frames show: the check can fail.
    #expect(live == Set(Self.keyWords), "\(Set(Self.keyWords).subtracting(live))")
  }
}

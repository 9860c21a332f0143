import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("--ascii: no Unicode anywhere in a frame")
struct AsciiFrameTests {
  /// The non-ASCII characters of a frame, with the row they are on.
  static func unicode(_ b: Buffer) -> [String] {
    b.plainText.split(separator: "\n").filter { !$0.unicodeScalars.allSatisfy(\.isASCII) }.map(String.init)
  }

  @Test(
    "every step of every scene, in every view, at 80x24 (and its lock-holding micro-steps) is ASCII only",
    arguments: allScenes())
  func everyStep(_ name: String) throws {
    for view in ForestView.allCases {
      var s = try sceneApp(name, view: view)
      s.options.ascii = true
      // Drawn as the runtime draws frame after frame (`frame`): the diagram is planned once per
      // timeline and width, not again for every frame as an unsynced `render` does.
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        var rows = Self.unicode(s.frame(width: 80, height: 24))
        #expect(rows.isEmpty, "\(name) \(view) step \(k): \(rows.prefix(3))")
        // The micro-steps of the step: the first, and the first holding a lock.
        guard k > 0, view == .diagram else { continue }
        let micro = s.timeline.replay.microStates(step: k)
        let locked = micro.indices.first { !micro[$0].world.lockHolders.keys.isEmpty }
        for m in Set([0, locked].compactMap { $0 }) where m < micro.count {
          s.selectMicro(m)
          s.refreshLayout()
          rows = Self.unicode(s.frame(width: 80, height: 24))
          #expect(rows.isEmpty, "\(name) step \(k).\(m + 1): \(rows.prefix(3))")
        }
      }
    }
  }

  @Test("the chrome in ASCII: overlays, legend, messages, prompts, comparison, presenter notes")
  func chrome() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.options.ascii = true
    s.presenter = true
    s.go(to: 5)
    var frames: [(String, Buffer)] = [("presenter", s.render(width: 80, height: 24))]
    var t = s
    send(&t, [.char("?")])
    frames.append(("help", t.render(width: 80, height: 24)))
    t = s
    send(&t, [.char("L")])
    frames.append(("legend", t.render(width: 80, height: 24)))
    t = s
    send(&t, [.char("g")] + chars("99") + [.enter])
    frames.append(("error", t.render(width: 80, height: 24)))
    t = s
    send(&t, [.char("/")] + chars("nosuch") + [.enter])
    frames.append(("warning", t.render(width: 80, height: 24)))
    t = s
    send(&t, [.char(":")] + chars("fork P3 P4"))
    frames.append(("what-if prompt", t.render(width: 80, height: 24)))
    t = s
    send(&t, [.tab, .down, .enter])
    frames.append(("inspector", t.render(width: 80, height: 24)))
    t = s
    t.setCompare(.v2_6_34)
    frames.append(("compare 200x60", t.render(width: 200, height: 60)))
    frames.append(("compare 120x40", t.render(width: 120, height: 40)))
    frames.append(("compare 80x24", t.render(width: 80, height: 24)))
    frames.append(("too small", s.render(width: 40, height: 10)))
    for (what, b) in frames {
      let rows = Self.unicode(b)
      #expect(rows.isEmpty, "\(what): \(rows.prefix(3))")
    }
  }
}

import AnonVMASim
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("Compare: the other model's half tells its own account, not the scene's text written for another kernel")
struct CompareNarrationTests {
  /// The right half of a side-by-side frame, row by row.
  static func rightHalf(_ b: Buffer) -> [String] {
    b.plainText.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.dropFirst(b.width / 2)) }
  }

  /// The right half of a scene's step compared side by side with `kernel` at 200x60.
  static func rightHalf(_ scene: String, _ kernel: KernelVersion, step: Int) throws -> String {
    var s = try sceneApp(scene, view: .diagram)
    s.setCompare(kernel)
    s.go(to: step)
    return rightHalf(s.render(width: 200, height: 60)).joined(separator: "\n")
  }

  static let cases: [(scene: String, other: KernelVersion)] = [
    ("e3-three-generations.scene", .v2_6_34), ("e3-three-generations.scene", .v6), ("e2-fork-cow.scene", .v2_6_34),
    ("e6-ksm-root-lifetime.scene", .v2_6_34),
  ]

  @Test(
    "at every step the other half shows no say line, its model's micro-steps in order with the ones the scene's model lacks marked, and what differs object by object",
    arguments: cases.indices)
  func ownAccount(_ index: Int) throws {
    let (name, kernel) = Self.cases[index]
    var s = try sceneApp(name, view: .diagram)
    s.setCompare(kernel)
    let other = try #require(s.compareTimeline)
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let lower = try #require(s.compareLayout)
      let account = try #require(s.compareAccount(other, lower), "\(name) step \(k)")
      #expect(account.model == kernel.rawValue && account.written == "2.6.36" && account.comparedWith == "2.6.36")
      // Its events are the model's own, in order.
      let own = k <= other.stepCount ? other.replay.events(step: k).map { "cpu\($0.cpu) \($0.summary)" } : []
      #expect(account.events == own, "\(name) step \(k)")
      // Marked: as many of each line as the other model has more of, 2.6.34's spin_lock and
      // spin_unlock read as 2.6.36's anon_vma_lock and anon_vma_unlock (the same spinlock).
      func neutral(_ line: String) -> String {
        line.replacing("spin_lock(&anon_vma->lock):", with: "anon_vma_lock:")
          .replacing("spin_unlock(&anon_vma->lock):", with: "anon_vma_unlock:")
      }
      let mine = s.timeline.replay.events(step: k).map { neutral("cpu\($0.cpu) \($0.summary)") }
      for line in Set(own) {
        let marked = account.events.indices.filter { account.events[$0] == line && account.differing.contains($0) }
        let expected = max(0, own.count { $0 == line } - mine.count { $0 == neutral(line) })
        #expect(marked.count == expected, "\(name) step \(k): \(line)")
      }
      // What differs names exactly the objects the comparison marks, with the scene model's values.
      let theirs = CompareDiff.summaries(other.states[min(k, other.stepCount)])
      let ours = CompareDiff.summaries(s.timeline.states[k])
      let differing = Set(theirs.keys).union(ours.keys).filter { theirs[$0]?.line != ours[$0]?.line }
      #expect(Set(account.differences.map { String($0.prefix { $0 != ":" }) }) == Set(differing.map(\.name)))
      for line in account.differences {
        let objectName = String(line.prefix { $0 != ":" })
        guard let entry = differing.first(where: { $0.name == objectName }), let ourLine = ours[entry]?.line,
          theirs[entry] != nil
        else { continue }
        // Every "(2.6.36: X)" is the value of that field in the scene's model.
        for m in line.matches(of: /(\w+) ([^(,]+) \(2\.6\.36: ([^)]*)\)/) {
          let field = CompareDiff.fields(ourLine).first { $0.key == m.1 }
          if let field { #expect(field.value == String(m.3), "\(name) step \(k): \(line)") }
        }
      }
      // On screen: the heading on the narration pane's title, no say line of the step in the
      // other half.
      let b = s.render(width: 200, height: 60)
      let right = Self.rightHalf(b).joined(separator: "\n")
      #expect(
        right.contains(
          "narration · \(kernel.rawValue)'s own account (the scene is written for 2.6.36)"))
      for say in s.timeline.steps[k].say {
        #expect(!right.contains(String(say.prefix(40))), "\(name) step \(k): the other half repeats '\(say)'")
        #expect(b.plainText.contains(String(say.prefix(40))), "\(name) step \(k): the scene's half lost '\(say)'")
      }
    }
  }

  @Test("E6 step 11 on 2.6.34: an anon_vma only 2.6.36 has is told field by field, empty ones as its box says")
  func notHere() throws {
    let right = try Self.rightHalf("e6-ksm-root-lifetime.scene", .v2_6_34, step: 11)
    // The line wraps at a word boundary: read it across the narration's rows.
    let words = right.split(separator: "\n").map { $0.split(separator: "│").first.map(String.init) ?? "" }
      .joined(separator: " ").split(separator: " ").joined(separator: " ")
    #expect(
      words.contains(
        "≠ AV1: not here (on 2.6.36: its lock is in AV1, counters ext 1, list (empty), pages none)"),
      "\(right)")
    let differences = right.split(separator: "\n").filter { $0.contains("≠ AV") || $0.contains("≠ pg") }
    #expect(!differences.isEmpty)
    for line in differences {
      #expect(!line.contains(" )") && !line.contains("  pages") && !line.contains(", ,"), "\(line)")
    }
  }

  @Test("E3 step 3 on 6.1: anon_vma->parent, a 6.x field, is said to be missing on 2.6.36, not to be empty")
  func noSuchField() throws {
    let right = try Self.rightHalf("e3-three-generations.scene", .v6, step: 3)
    let words = right.split(separator: "\n").map { $0.split(separator: "│").first.map(String.init) ?? "" }
      .joined(separator: " ").split(separator: " ").joined(separator: " ")
    #expect(words.contains("≠ AV1: parent AV1 (2.6.36: no such field)"), "\(right)")
    #expect(!words.contains("parent -"), "\(right)")
  }

  @Test("E3 step 5 on 2.6.34: each anon_vma has its own lock where 2.6.36 takes the root's; the frame marks it")
  func lockContrast() throws {
    let right = try Self.rightHalf("e3-three-generations.scene", .v2_6_34, step: 5)
    #expect(right.contains("≠ AV2: its lock is in AV2 (2.6.36: AV1)"))
    #expect(right.contains("≠ AV3: its lock is in AV3 (2.6.36: AV1)"))
    #expect(right.contains("≠ cpu0 spin_lock(&anon_vma->lock): lock AV2"))
    var ascii = try sceneApp("e3-three-generations.scene", view: .diagram)
    ascii.options.ascii = true
    ascii.setCompare(.v2_6_34)
    ascii.go(to: 5)
    let text = Self.rightHalf(ascii.render(width: 200, height: 60)).joined(separator: "\n")
    #expect(text.contains("!= AV2: its lock is in AV2 (2.6.36: AV1)") && text.unicodeScalars.allSatisfy(\.isASCII))
  }
}

@Suite("Compare: one focused pane")
struct CompareFocusTests {
  @Test("side by side and stacked, only the first model's focused pane is marked ▶ (the other follows its keys)")
  func oneFocus() throws {
    for keys: [Key] in [[], [.tab]] {
      var s = try sceneApp("e3-three-generations.scene", view: .diagram)
      send(&s, [.char("c"), .right] + keys)
      for (w, h) in [(200, 60), (120, 40)] {
        let frame = s.render(width: w, height: h).plainText
        #expect(frame.components(separatedBy: "▶ ").count - 1 == 1, "\(keys) \(w)x\(h)")
      }
    }
  }
}

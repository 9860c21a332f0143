import AnonVMASim
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// What a lecturer and a documentation writer found (stop 48): each test fails on the behaviour found.
@Suite("Lecturer findings, round 4: narration rows, lock notes, compare marks, fold labels")
struct LecturerRound4Tests {
  /// E2 step 3 at 80×24 drew P1 and AV1 on the top 7 rows of a 13-row canvas (the plan keeps the
  /// rest for P2 and AV2 of later steps) while its narration said `↓ 2 more (PgDn)`.
  @Test("at 80x24 a step whose narration is cut leaves no canvas row blank under what it draws")
  func narrationTakesBlankRows() throws {
    var cut = 0
    for name in allScenes() {
      var s = try sceneApp(name, view: .diagram)
      let area = Rect(x: 0, y: 0, width: 80, height: 24)
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        _ = s.frame(width: 80, height: 24)
        let rows = s.frameRows(in: area)
        guard rows.text.lines.count + 2 > rows.narration.height else { continue }
        cut += 1
        guard let pane = s.diagramPane(in: area), let diagrams = s.layout.diagram, diagrams.folded == nil else {
          continue
        }
        let d = diagrams.shown(rows: pane.canvas.height, selection: s.diagramView.selection)
        let drawn = min(d.height, d.drawnBottom)
        #expect(pane.canvas.height <= drawn, "\(name) step \(k): \(pane.canvas.height - drawn) blank rows kept")
      }
    }
    // The property is about cut narrations: some steps have them at 80×24.
    #expect(cut > 0)
  }

  /// The same step as a frame: every word of its narration on screen.
  @Test("E2 step 3 at 80x24 shows its whole narration, the kernel functions included")
  func e2Step3Whole() throws {
    var s = try sceneApp("e2-fork-cow.scene", view: .diagram)
    s.go(to: 3)
    let screen = s.frame(width: 80, height: 24).plainText
    #expect(!screen.contains("more (PgDn)"), "\(screen)")
    #expect(screen.contains("do_anonymous_page"), "\(screen)")
    #expect(screen.contains("P1 has four pages, all filed in AV1."), "\(screen)")
  }

  /// 2.6.34's E3 step 5 read `cpu0 locks AV3 (…); shown at micro-step 6` under AV1's outline:
  /// the note seemed to belong to the last lock listed.
  @Test("every scene: `outline: micro-step N` names the locks held at micro-step N", arguments: allScenes())
  func shownAtNamesTheLocks(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    for k in stride(from: 1, through: s.timeline.stepCount, by: 1) {
      s.go(to: k)
      _ = s.frame(width: 120, height: 40)
      let note = s.layout.diagram?.lockNote ?? ""
      guard let match = note.firstMatch(of: /^outline: micro-step (\d+)(?: \(([^)]*)\))?/), let n = Int(match.1) else {
        continue
      }
      let held = s.timeline.microStates(step: k)[n - 1].world.lockHolders.keys.sorted().map { World.avName($0) }
      if let names = match.2 {
        let named = names.split(separator: " ").map { String($0.prefix { $0 != "'" }) }.filter { $0.hasPrefix("AV") }
        #expect(named == held, "\(file) step \(k): \(note)")
      } else {
        // Unnamed only where every lock the step lists is among them.
        let locks = try #require(s.layout.diagram?.locks)
        let listed = Set(locks.holds.map(\.anonVMA) + locks.waits.map(\.anonVMA)).map { World.avName($0) }
        #expect(Set(listed).isSubset(of: held), "\(file) step \(k): \(note)")
      }
    }
  }

  /// Beside 2.6.36, 2.6.34's `spin_lock(&anon_vma->lock): lock AV1` at E3's fork was marked ≠
  /// though both models take AV1's spinlock there; its `lock AV3` (2.6.36 takes the root's) is a
  /// difference.
  @Test("compare with 2.6.34: the same spinlock under another name is not marked; another lock is")
  func sameLockOtherName() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.setCompare(.v2_6_34)
    let other = try #require(s.compareTimeline)
    var same = 0
    var different = 0
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      let lower = try #require(s.compareLayout)
      let account = try #require(s.compareAccount(other, lower))
      let mine = TextNarrator.account(s.timeline, step: k)
      var seen: [String: Int] = [:]
      for (i, line) in account.events.enumerated() where line.contains("spin_lock(&anon_vma->lock): ") {
        // The n-th such line is the same as this model's n-th under 2.6.36's name, if it has one.
        let named = line.replacing("spin_lock(&anon_vma->lock): ", with: "anon_vma_lock: ")
        let matched = seen[named, default: 0] < mine.count { $0 == named }
        seen[named, default: 0] += 1
        #expect(account.differing.contains(i) == !matched, "step \(k): \(line)")
        if matched { same += 1 } else { different += 1 }
      }
    }
    #expect(same > 0 && different > 0, "\(same) \(different)")
  }

  /// A fork server's children's anon_vmas alternate with their siblings' (`AV5 AV7 … AV49`): the
  /// fold's label read `AV5…AV49`, a range it does not hold.
  @Test("a fold of anon_vmas whose ids do not run on names its first two and its last")
  func foldLabelNotARange() throws {
    var s = try sceneApp("scale/server-200-children.scene", view: .diagram)
    s.go(to: 30)
    let screen = s.frame(width: 200, height: 60).plainText
    let labels = screen.split(separator: "\n").compactMap { line in
      line.firstMatch(of: /×(\d+) anon_vmas of folded processes: ([^┆]*)┆/).map { (Int($0.1) ?? 0, String($0.2)) }
    }
    #expect(!labels.isEmpty, "\(screen)")
    for (count, names) in labels {
      let ids = names.matches(of: /AV(\d+)/).compactMap { Int($0.1) }
      let first = try #require(ids.first)
      let last = try #require(ids.last)
      // `AV3…AV30` only where the count is the range's length.
      if names.contains("…AV") {
        #expect(last - first + 1 == count, "\(names)")
      } else {
        #expect(ids.count == 3, "\(names)")
      }
    }
  }
}

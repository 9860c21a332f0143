import AnonVMASim
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// The anon_vma boxes a half of a side-by-side frame draws, by name, and whether the title carries
/// `≠` (a box marked `−`, freed in the step, included).
func anonVMATitles(_ rows: [[Character]], _ r: Rect) -> [String: Bool] {
  var out: [String: Bool] = [:]
  for row in rows where row.count >= r.maxX {
    let text = String(row[r.x..<r.maxX])
    for corner in ["┏", "┌"] {
      for part in text.components(separatedBy: corner).dropFirst() {
        let words = part.split(separator: " ")
        guard words.count > 1, words[1].hasPrefix("AV"), words[1].dropFirst(2).allSatisfy(\.isNumber) else { continue }
        let title = part.prefix { $0 != "┓" && $0 != "┐" }
        out[String(words[1])] = title.contains("≠")
      }
    }
  }
  return out
}

/// Renders `s` side by side at 200x60 and expects each anon_vma both halves draw to be marked `≠`
/// in both or in neither (`what` names the frame); returns how many are marked.
func expectMarkedAlike(_ s: AppState, _ what: String) throws -> Int {
  let rows = s.render(width: 200, height: 60).plainText.split(separator: "\n").map { Array($0) }
  let areas = try #require(s.compareAreas(Rect(x: 0, y: 0, width: 200, height: 60)))
  let (left, right) = (anonVMATitles(rows, areas.0), anonVMATitles(rows, areas.1))
  var marked = 0
  for (name, mark) in left {
    guard let there = right[name] else { continue }
    #expect(mark == there, "\(what): \(name) ≠ \(mark) here, \(there) there")
    if mark { marked += 1 }
  }
  return marked
}

/// What a lecturer trying the TUI found (stop 51): each test fails on the behaviour found.
@Suite("Lecturer findings, round 6 (stop 51): compare marks inside micro-steps, drop_anon_vma's lock, the a key")
struct LecturerRound6Tests {
  /// E6's step 11 at micro-step 5: 2.6.36 keeps AV1 (external_refcount 1), 2.6.34 frees it
  /// (ksm_refcount 0); neither box carried `≠` inside the micro-steps.
  @Test("inside micro-steps, what differs between the paired micro-steps is marked in both halves")
  func marksInsideMicroSteps() throws {
    var marked = 0
    for (file, step) in [("e6-ksm-root-lifetime.scene", 11), ("e3-three-generations.scene", 5)] {
      var s = try sceneApp(file, view: .diagram)
      s.setCompare(.v2_6_34)
      s.go(to: step)
      let count = s.timeline.replay.events(step: step).count
      for m in 0..<count {
        s.selectMicro(m)
        s.refreshLayout()
        let diffs = try #require(s.compareDiffs, "\(file) \(step).\(m + 1): no diff inside the micro-step")
        let other = try #require(s.compareLayout?.world)
        #expect(diffs.this == CompareDiff(s.world, against: other), "\(file) \(step).\(m + 1)")
        #expect(diffs.other == CompareDiff(other, against: s.world), "\(file) \(step).\(m + 1)")
        marked += try expectMarkedAlike(s, "\(file) \(step).\(m + 1)")
      }
    }
    #expect(marked > 0)
    // The micro-step where the two models part: AV1's counter is 1 on 2.6.36 and 0 on 2.6.34.
    var s = try sceneApp("e6-ksm-root-lifetime.scene", view: .diagram)
    s.setCompare(.v2_6_34)
    s.go(to: 11)
    let events = s.timeline.replay.events(step: 11)
    let keep = try #require(events.firstIndex { $0.text.contains("AV1") && $0.text.contains("keep it") })
    s.selectMicro(keep)
    s.refreshLayout()
    #expect(try #require(s.compareDiffs).this.anonVMAs.contains(1))
  }

  /// Summarising both models' worlds at every micro-step of W1's largest step (8,000 VMAs) took
  /// 140 ms a key: inside micro-steps, what differs is worked out for forests the diagram draws.
  @Test("inside a micro-step of a forest too large for the diagram, no diff is worked out; at its step, one is")
  func noMicroDiffBeyondTheDiagram() throws {
    // A server forks children until its forest has more VMAs than the diagram draws.
    let forks = (2...(DiagramLayout.maxVMAs + 2)).map { "fork P1 P\($0)" }
    let source = (["kernel 2.6.36", "spawn P1", "mmap P1 A 1", "touch P1 A 0"] + forks).joined(separator: "\n")
    var s = app(source)
    s.scene = Parser.parse(source)
    s.setCompare(.v2_6_34)
    let k = try #require(
      (1...s.timeline.stepCount).first { k in
        // Over the bounds from the step's start: every micro-step's world is.
        DiagramLayout.excess(s.timeline.states[k - 1]) != nil && !s.timeline.replay.events(step: k).isEmpty
      }, "a step over the diagram's bounds")
    s.go(to: k)
    s.refreshLayout()
    #expect(s.compareDiffs != nil, "step \(k)")
    s.selectMicro(0)
    s.refreshLayout()
    #expect(s.compareLayout?.key.micro != nil, "step \(k): the other half is in lockstep")
    #expect(s.compareDiffs == nil, "step \(k).1")
  }

  /// E6 step 11 side by side: 2.6.36's AV1 was marked `≠`, 2.6.34's box of AV1, drawn `−` (freed
  /// in the step), was not.
  @Test("an anon_vma one model freed in the step and the other keeps is marked ≠ in both halves")
  func freedMarked() throws {
    var s = try sceneApp("e6-ksm-root-lifetime.scene", view: .diagram)
    s.setCompare(.v2_6_34)
    s.go(to: 11)
    let frame = s.render(width: 200, height: 60).plainText
    let rows = frame.split(separator: "\n").map { Array($0) }
    let areas = try #require(s.compareAreas(Rect(x: 0, y: 0, width: 200, height: 60)))
    #expect(anonVMATitles(rows, areas.0)["AV1"] == true, "\(frame)")
    #expect(anonVMATitles(rows, areas.1)["AV1"] == true, "\(frame)")
    let freed = try #require(s.compareLayout?.world)
    #expect(!freed[anonVMA: 1].alive && s.world[anonVMA: 1].alive)
    #expect(try #require(s.compareDiffs).other.anonVMAs.contains(1))
  }

  /// drop_anon_vma() calls atomic_dec_and_lock(), which takes the lock itself when the count
  /// would reach 0 (lib/dec_and_lock.c); the model named the lock micro-step `anon_vma_lock`
  /// (2.6.36) and `spin_lock(&anon_vma->lock)` (2.6.34), calls drop_anon_vma() does not make.
  @Test("drop_anon_vma's lock is atomic_dec_and_lock's own, on 2.6.34 and 2.6.36", arguments: ["2.6.34", "2.6.36"])
  func dropTakesTheLockInAtomicDecAndLock(kernel: String) throws {
    var found = 0
    for file in ["e3-three-generations.scene", "e6-ksm-root-lifetime.scene"] {
      var s = try sceneApp(file)
      s.setCompare(try #require(KernelVersion(rawValue: kernel)))
      let timeline = kernel == "2.6.36" ? s.timeline : try #require(s.compareTimeline)
      for k in 1...timeline.stepCount {
        let events = timeline.replay.events(step: k)
        for (i, e) in events.enumerated()
        where e.function == "atomic_dec_and_lock" && e.text.contains("→") && e.text.contains(" under ") {
          let before = try #require(events[..<i].last { $0.cpu == e.cpu }, "\(file) step \(k)")
          #expect(before.function == "atomic_dec_and_lock", "\(file) step \(k): \(before.summary) before \(e.summary)")
          // "was 1": another CPU may raise the count while this one spins for the lock.
          #expect(before.text.contains("was 1"), "\(file) step \(k): \(before.summary)")
          #expect(before.objects.first == e.objects.last, "\(file) step \(k): the lock first")
          found += 1
        }
      }
    }
    // 2.6.36's E3 exit and E6 KSM drop; 2.6.34's drop_anon_vma is KSM's alone (mm/ksm.c).
    #expect(found >= (kernel == "2.6.36" ? 2 : 1))
  }

  /// The other half's narration title (`narration · mainline's own account (…)`) ran past a
  /// half's edge without a mark.
  @Test("a pane title longer than its edge is cut at a word and marked …")
  func titleElided() {
    let title = "narration · mainline's own account (the scene is written for 2.6.36)"
    for width in [20, 30, 44, 60, 80] {
      var b = Buffer(width: width, height: 3)
      Block(title: title, focused: width == 44, theme: .unicode).render(in: b.area, into: &b)
      let top = b.plainText.split(separator: "\n").first.map(String.init) ?? ""
      let words = Set(title.split(separator: " ").map(String.init))
      if width == 80 {
        #expect(top.contains(title) && !top.contains("…"), "\(top)")
        continue
      }
      #expect(top.contains("…"), "\(width): \(top)")
      // Every word shown before the mark is whole.
      let shown = top.split(separator: "…")[0].split(separator: " ").map(String.init).filter { !$0.contains("─") }
      #expect(!shown.isEmpty && shown.allSatisfy { words.contains($0) || $0 == "▶" }, "\(width): \(top)")
      #expect(top.hasSuffix("┐"), "\(width): \(top)")
    }
  }

  /// `a` in a plain `play` (no `--ask`) changed nothing and said nothing.
  @Test("a with no question on screen says why")
  func revealSaysWhy() throws {
    var s = try sceneApp("e5-rmap-coverage.scene", view: .diagram)
    s.go(to: 7)
    _ = send(&s, [.char("a")])
    #expect(s.notice?.text.contains("play --ask") == true, "\(String(describing: s.notice))")
    var plain = try sceneApp("every-operation.scene", view: .diagram)
    _ = send(&plain, [.char("a")])
    #expect(plain.notice?.text.contains("no ask lines") == true, "\(String(describing: plain.notice))")
  }
}

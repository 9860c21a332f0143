import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Steps `s` through every micro-step of every step as a lecturer does (`↓` from each step's
/// start, a frame at `width`x`height` drawn after each key, as the runtime draws them), calling
/// `body` with the step, the micro-step on screen (0-based) and its frame.
func forEachMicroStep(
  _ s: inout AppState, _ file: String, width: Int, height: Int,
  _ body: (inout AppState, _ step: Int, _ micro: Int, _ frame: Buffer) throws -> Void
) throws {
  for k in 1...s.timeline.stepCount {
    s.go(to: k)
    _ = s.frame(width: width, height: height)
    let count = s.loadMicroSteps()
    for m in 0..<count {
      send(&s, [.down])
      #expect(s.micro == m, "\(file) \(k).\(m + 1)")
      let frame = s.frame(width: width, height: height)
      try body(&s, k, m, frame)
    }
  }
}

/// The object the diagram scrolls to at a micro-step (``AppState/microStepFocus(_:)``), found from
/// the event's typed references, against the text parser it replaced (kept here as the oracle).
@Suite("The micro-step's focus")
struct MicroStepFocusTests {
  /// The parser `microStepFocus` used before events carried references: the first anon_vma the
  /// text names that `d` draws, else the VMA whose name comes first in the text: a VMA of `w`, or
  /// one freed since `before` that `d` draws in its row (by its name in `before`).
  static func parsedFocus(_ event: Event, _ w: World, before: World, _ d: ForestDiagram) -> Rect? {
    for word in event.text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
      if let a = World.anonVMAID(named: word), let r = d.rect(of: .anonVMA(a)) { return r }
    }
    // At one place the longer name wins: `P1:A@0(new)` is the split's new VMA, not `P1:A@0`.
    var first: (at: String.Index, length: Int, rect: Rect)?
    for box in d.processes {
      for v in box.vmas {
        guard let name = w.vmas[v] != nil ? w.vmaName(v) : before.vmas[v] != nil ? before.vmaName(v) : nil,
          let at = event.text.firstRange(of: name)?.lowerBound,
          first.map({ at < $0.at || (at == $0.at && name.count > $0.length) }) ?? true,
          let r = d.rect(of: .vma(v))
        else { continue }
        first = (at, name.count, r)
      }
    }
    return first?.rect
  }

  @Test(
    "at every micro-step of E1–E6, the focus is the object the old text parser chose",
    arguments: lectureScenes)
  func sameAsParser(file: String) throws {
    var s = try diagramApp(file, nil)
    var focused = 0
    var ambiguous: [String] = []
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      _ = s.frame(width: 80, height: 24)
      let count = s.loadMicroSteps()
      var before = s.timeline.states[k - 1]
      for m in 0..<count {
        send(&s, [.down])
        #expect(s.micro == m, "\(file) \(k).\(m + 1)")
        let (event, w) = try #require(s.layout.microSteps?.states[m])
        defer { before = w }
        let d = try #require(s.layout.diagram).shown(rows: 200, selection: nil)
        let focus = s.microStepFocus(d)
        if focus != nil { focused += 1 }
        guard focus != Self.parsedFocus(event, w, before: before, d) else { continue }
        // The parser can only be wrong where the text's VMA name is ambiguous: two VMAs wear
        // it (a split's new VMA and the old one), or the VMA it named was renamed by the
        // micro-step (vma_adjust) and another now wears the name. The references say which.
        let firstVMA = event.objects.lazy.compactMap { if case .vma(let v) = $0 { v } else { nil } }.first
        let names = Set(
          [before, w].compactMap { world in firstVMA.flatMap { world.vmas[$0] != nil ? world.vmaName($0) : nil } })
        let holders = Set(
          [before, w].flatMap { world in world.vmas.keys.filter { names.contains(world.vmaName($0)) } })
        #expect(
          holders.count > 1 && firstVMA.flatMap { d.rect(of: .vma($0)) } == focus,
          "\(file) \(k).\(m + 1) \(event.summary)")
        ambiguous.append("\(k).\(m + 1) \(event.summary)")
      }
    }
    #expect(focused > 0)
    // E4's splits: the vma_adjust after each split renames the old VMA, and another VMA wears
    // its old name (the split's new VMA is `P1:A@0(new)`, which the parser now reads whole).
    #expect(ambiguous.count == (file == "e4-split-merge.scene" ? 2 : 0), "\(ambiguous)")
  }

  @Test("a process named like an anon_vma does not take the focus from the anon_vma the event is about")
  func namesThatCollide() throws {
    // The process `AV1` owns the anon_vma AV1 and, after the second write, AV2: the text
    // `AV1:B@18->anon_vma = AV2` names the VMA B of process AV1 and the anon_vma AV2.
    var s = app(
      """
      kernel 2.6.36
      spawn AV1
      mmap AV1 A 2
      mmap AV1 B 2
      touch AV1 A 0
      touch AV1 B 0
      """, view: .diagram)
    s.go(to: 5)
    _ = s.frame(width: 80, height: 24)
    let count = s.loadMicroSteps()
    var checked = 0
    var parserWrong = 0
    var before = s.timeline.states[4]
    for m in 0..<count {
      send(&s, [.down])
      let (event, w) = try #require(s.layout.microSteps?.states[m])
      defer { before = w }
      let d = try #require(s.layout.diagram).shown(rows: 200, selection: nil)
      let anonVMAs = event.objects.compactMap { if case .anonVMA(let a) = $0 { a } else { nil } }
      let vmas = event.objects.compactMap { if case .vma(let v) = $0 { v } else { nil } }
      let expected =
        anonVMAs.lazy.compactMap { d.rect(of: .anonVMA($0)) }.first
        ?? vmas.lazy.compactMap { d.rect(of: .vma($0)) }.first
      #expect(s.microStepFocus(d) == expected, "\(event.summary)")
      if Self.parsedFocus(event, w, before: before, d) != expected { parserWrong += 1 }
      if expected != nil { checked += 1 }
    }
    #expect(checked > 0)
    // The text parser took the process's name for the anon_vma AV1.
    #expect(parserWrong > 0)
  }
}

/// The diagram's violation marks (``ForestDiagram/violationMarks(_:)``), found from the
/// violations' typed references, against the message parser they replaced (the oracle here).
/// A held lock's outline whose label the window scrolled past is named on the pane's top border.
@Suite("The root lock in sight")
struct LockInSightTests {
  @Test(
    "at every micro-step of E1–E6 at 80x24, every drawn lock outline's label is on screen: in the window or on the top border"
  )
  func everyOutlineNamed() throws {
    var named = 0
    var onBorder = 0
    for file in lectureScenes {
      var s = try sceneApp(file, view: .diagram)
      try forEachMicroStep(&s, file, width: 80, height: 24) { s, k, m, buffer in
        let frame = buffer.plainText
        let rows = frame.split(separator: "\n", omittingEmptySubsequences: false)
        let d = try #require(s.layout.diagram).shown(rows: 200, selection: nil)
        for outline in d.lockOutlines {
          let name = World.avName(outline.lock) + " lock:"
          #expect(frame.contains(name), "\(file) \(k).\(m + 1): \(name) not on screen")
          named += 1
          if rows.count > 1, rows[1].contains("↑ " + name) { onBorder += 1 }
        }
      }
    }
    #expect(named > 0)
    #expect(onBorder > 0)
  }

  @Test("E3 5.20 at 80x24: the window follows AV3 down the forest, the top border names AV1's lock")
  func e3() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    _ = s.frame(width: 80, height: 24)
    _ = s.loadMicroSteps()
    for _ in 0..<20 {
      send(&s, [.down])
      _ = s.frame(width: 80, height: 24)
    }
    let rows = s.frame(width: 80, height: 24).plainText.split(separator: "\n")
    #expect(rows[1].contains("↑ AV1 lock: cpu0 (fork P2 P3)"), "\(rows[1])")
    #expect(rows[2...].contains { $0.contains("AV3") })
  }
}

@Suite("Violation marks")
struct ViolationMarkReferenceTests {
  /// The parser `violationMarks` used before violations carried references.
  static func parsedMarks(_ w: World) -> [ForestDiagram.Object: [String]] {
    var marks: [ForestDiagram.Object: [String]] = [:]
    func mark(_ o: ForestDiagram.Object, _ code: String) {
      if marks[o]?.contains(code) != true { marks[o, default: []].append(code) }
    }
    var vmaByName: [String: VMAID] = [:]
    for v in w.vmas.keys { vmaByName[w.vmaName(v)] = v }
    for violation in ForestDiagram.stepViolations(w) {
      let words = violation.message.split { !($0.isLetter || $0.isNumber || $0 == ":" || $0 == "@") }
      for word in words.map(String.init) {
        let name = word.hasSuffix(":") ? String(word.dropLast()) : word
        if name.hasPrefix("AV"), let n = Int(name.dropFirst(2)), w.isAllocated(AnonVMAID(n)) {
          mark(.anonVMA(AnonVMAID(n)), violation.code)
        } else if name.hasPrefix("pg"), let n = Int(name.dropFirst(2)), w.isAllocated(PageID(n)) {
          for v in ForestDiagram.mappers(of: PageID(n), in: w) { mark(.vma(v), violation.code) }
        } else if let v = vmaByName[name] {
          mark(.vma(v), violation.code)
        }
      }
    }
    return marks
  }

  static let scenes = [
    "bugs", "races", "mainline", "mremap", "concurrency",
  ].flatMap { dir in
    ((try? FileManager.default.contentsOfDirectory(atPath: repoRoot.appendingPathComponent("scenes/\(dir)").path))
      ?? []).filter { $0.hasSuffix(".scene") }.map { "\(dir)/\($0)" }
  }.sorted()

  @Test("after every step of the scenes that report violations, the marks are those the messages name")
  func sameAsParser() throws {
    var marked = 0
    for file in Self.scenes {
      let t = try scene(file)
      for k in 1...max(1, t.stepCount) where k <= t.stepCount {
        let w = t.states[k]
        let marks = ForestDiagram.violationMarks(w)
        #expect(marks == Self.parsedMarks(w), "\(file) step \(k)")
        marked += marks.count
      }
    }
    #expect(marked > 0)
  }
}

import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TestSupport
import Testing

/// The typed references of events and violations (`Event.objects`, `Violation.objects`) against
/// their text: the oracle here parses the names the text writes (`AV3`, `pg1`, `avc5`, `K1`,
/// `P1:A@0`), which the views no longer do.
@Suite("Object references")
struct ObjectRefTests {
  /// The model names a text writes, in order, each once: `AV3`, `pg1`, `avc5`, `K1` and VMA names
  /// `PROCESS:MAPPING@FIRST` (`PROCESS:MAPPING@FIRST(new)` for __split_vma's new VMA before it is
  /// linked: ``World/vmaShortName(_:)``).
  static func names(in text: String) -> [String] {
    // A VMA an rmap walk visited and an exit freed before its end is named, marked, and has no
    // object left to reference.
    let words = text.replacing(/[^ ,;]+ \(freed since\)/, with: "").replacing("->", with: " ").replacing(
      "(new)", with: "_new"
    ).split {
      !($0.isLetter || $0.isNumber || $0 == ":" || $0 == "@" || $0 == "_" || $0 == "-")
    }
    var result: [String] = []
    for word in words {
      var name = Substring(word)
      while name.hasSuffix(":") { name = name.dropLast() }
      let new = name.hasSuffix("_new")
      if new { name = name.dropLast(4) }
      guard isModelName(name) else { continue }
      let written = String(name) + (new ? "(new)" : "")
      guard !result.contains(written) else { continue }
      result.append(written)
    }
    return result
  }

  static func isModelName(_ name: Substring) -> Bool {
    for prefix in ["AV", "pg", "avc", "K"] where name.hasPrefix(prefix) {
      let rest = name.dropFirst(prefix.count)
      if !rest.isEmpty, rest.allSatisfy(\.isNumber) { return true }
    }
    // PROCESS:MAPPING@FIRST
    guard let colon = name.firstIndex(of: ":"), let at = name.lastIndex(of: "@"), colon < at else { return false }
    var first = name[name.index(after: at)...]
    if first.hasPrefix("-") { first = first.dropFirst() }
    return colon > name.startIndex && name.index(after: colon) < at && !first.isEmpty && first.allSatisfy(\.isNumber)
  }

  /// Whether `refs` are the objects `text` names: the names parsed from the text, in order, are
  /// those of the references that are not processes (each named as in one of `worlds`: a VMA's
  /// name can change or go within a micro-step); a process reference's name is a word of the text.
  /// Returns what is wrong, nil when right.
  static func mismatch(_ text: String, _ refs: [ObjectRef], worlds: [World]) -> String? {
    let parsed = names(in: text)
    var matched: [String] = []
    var unmatched: [ObjectRef] = []
    for r in refs {
      if case .process(let p) = r {
        let words = text.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
        guard worlds.contains(where: { $0.isAllocated(p) && words.contains($0[process: p].name) }) else {
          return "process \(p) is not named"
        }
        continue
      }
      // Named as in one of the worlds, where it exists (two VMAs may share a name: a split).
      let names = worlds.filter { exists(r, in: $0) }.map { r.name(in: $0) }
      if matched.contains(where: { names.contains($0) }) { continue }
      guard matched.count < parsed.count, names.contains(parsed[matched.count]) else {
        unmatched.append(r)
        continue
      }
      matched.append(parsed[matched.count])
    }
    guard unmatched.isEmpty, matched == parsed else {
      return "names \(parsed), references \(refs.map { $0.name(in: worlds[worlds.count - 1]) }), unmatched \(unmatched)"
    }
    return nil
  }

  /// Whether `r` is an object of `w` (freed ones included: ids are never reused, and a freed VMA
  /// or anon_vma_chain is looked for in the worlds before it went).
  static func exists(_ r: ObjectRef, in w: World) -> Bool {
    switch r {
    case .process(let p): w.isAllocated(p)
    case .vma(let v): w.vmas[v] != nil
    case .anonVMA(let a): w.isAllocated(a)
    case .avc(let id): w.avcs[id] != nil
    case .page(let p): w.isAllocated(p)
    case .stableNode(let k): k.raw >= 1 && k.raw <= w.stableNodes.count
    }
  }

  /// Every scene under scenes/, by its path from there.
  static let scenes: [String] = {
    let root = repoRoot.appendingPathComponent("scenes")
    let all = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
    return all.filter { $0.hasSuffix(".scene") }.sorted()
  }()

  /// The timelines of a scene: on its own kernel and variants, and on every kernel.
  static func timelines(_ name: String) throws -> [(kernel: String, timeline: Timeline)] {
    let source = try String(contentsOf: repoRoot.appendingPathComponent("scenes/\(name)"), encoding: .utf8)
    let parsed = Parser.parse(source)
    var result = [("own", Timeline(scene: parsed, defaultTitle: name))]
    for k in KernelVersion.allCases {
      result.append((k.rawValue, Timeline(scene: parsed, defaultTitle: name, kernel: k)))
    }
    return result
  }

  @Test("the oracle parses the names of the model's texts")
  func oracle() {
    #expect(
      Self.names(in: "P3:A@0 off AV3's same_anon_vma list; lock AV1 (root of AV3), avc12, pg2→K1 at P3 A 0")
        == ["P3:A@0", "AV3", "AV1", "avc12", "pg2", "K1"])
    #expect(Self.names(in: "P1:b@0->anon_vma = AV2: done") == ["P1:b@0", "AV2"])
    #expect(Self.names(in: "new VMA P1:A@0(new) split off P1:A@0 at page 2") == ["P1:A@0(new)", "P1:A@0"])
  }

  @Test("every violation of every scene references exactly the objects its message names", arguments: scenes)
  func violations(scene: String) throws {
    for (kernel, t) in try Self.timelines(scene) {
      let violations = t.states[t.stepCount].violations
      var worldsOfStep: [Int: [World]] = [:]
      for v in violations {
        let k = v.step
        let worlds =
          worldsOfStep[k]
          ?? ([t.states[max(0, k - 1)]] + t.states.microStates(step: k).map(\.world) + [t.states[k]])
        worldsOfStep[k] = worlds
        if let wrong = Self.mismatch(v.message, v.objects, worlds: worlds) {
          Issue.record("\(scene) on \(kernel), step \(k): \(v.code) \(v.message): \(wrong)")
        }
      }
    }
  }

  @Test("the bug scenes report violations, each naming objects")
  func bugScenesReport() throws {
    var reported = 0
    for scene in Self.scenes where scene.hasPrefix("bugs/") {
      let t = try Self.timelines(scene)[0].timeline
      for v in t.states[t.stepCount].violations where !Self.names(in: v.message).isEmpty {
        #expect(!v.objects.isEmpty, "\(scene): \(v.message)")
        reported += 1
      }
    }
    #expect(reported > 0)
  }

  @Test("every micro-step of every scene references exactly the objects its text names", arguments: scenes)
  func events(scene: String) throws {
    let t = try Self.timelines(scene)[0].timeline
    var failures = 0
    for k in 1...max(1, t.stepCount) where k <= t.stepCount {
      var before = t.states[k - 1]
      for (event, after) in t.states.microStates(step: k) {
        if let wrong = Self.mismatch(event.text, event.objects, worlds: [before, after]), failures < 20 {
          Issue.record("\(scene) step \(k): \(event.summary): \(wrong)")
          failures += 1
        }
        before = after
      }
    }
  }

  @Test("a quiet step formats no references")
  func quiet() throws {
    let source = try String(
      contentsOf: repoRoot.appendingPathComponent("scenes/e2-fork-cow.scene"), encoding: .utf8)
    var t = Timeline(title: "quiet", kernel: .v2_6_36, narration: .quiet)
    for s in Parser.parse(source).statements {
      if case .kernel = s.statement { continue }
      _ = t.append(s)
    }
    var quietEvents = 0
    var narratedReferences = 0
    for k in 1...t.stepCount {
      for e in t.states.events(step: k, .quiet) {
        quietEvents += 1
        #expect(e.objects.isEmpty && e.text.isEmpty)
      }
      // The same steps narrated name their objects.
      narratedReferences += t.states.events(step: k, .narrated).reduce(0) { $0 + $1.objects.count }
    }
    #expect(quietEvents > 0)
    #expect(narratedReferences > 0)
  }
}

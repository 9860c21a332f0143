import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TestSupport
import Testing

/// Every `.scene` file under scenes/ (recursively), sorted.
func sceneFiles() -> [String] {
  let dir = repoRoot.appendingPathComponent("scenes")
  guard let e = FileManager.default.enumerator(atPath: dir.path) else { return [] }
  return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".scene") }.sorted()
}

func load(_ relative: String) throws -> Timeline {
  let source = try String(
    contentsOf: repoRoot.appendingPathComponent("scenes").appendingPathComponent(relative), encoding: .utf8)
  let scene = Parser.parse(source)
  #expect(scene.diagnostics.isEmpty, "\(relative): \(scene.diagnostics)")
  return Timeline(scene: scene, defaultTitle: relative)
}

@Suite("Scenes under scenes/ and the built-in tour")
struct SceneTests {
  @Test("there are scenes for the lecture scenes E1-E6")
  func lectureScenesExist() {
    let files = sceneFiles()
    for e in ["e1-", "e2-", "e3-", "e4-", "e5-", "e6-"] {
      #expect(files.contains { $0.hasPrefix(e) }, "no scene for \(e)")
    }
  }

  @Test("every scene runs and all its expect lines hold", arguments: sceneFiles())
  func sceneHolds(file: String) throws {
    let t = try load(file)
    #expect(t.runtimeDiagnostics.isEmpty, "\(t.runtimeDiagnostics)")
    #expect(!t.expectations.isEmpty, "a scene must carry expect lines")
    for bound in t.expectations {
      #expect(
        t.evaluate(bound) == .pass,
        "\(file):\(bound.statement.location.line): \(bound.statement.words.joined(separator: " "))")
    }
    for v in t.unexpectedViolations {
      Issue.record("\(file): step \(v.step): \(v.code) \(v.message) is named by no expect line")
    }
  }

  @Test("every scene has a title, chapters and narration")
  func narration() throws {
    for file in sceneFiles() {
      let t = try load(file)
      #expect(t.title != file, "\(file) has no title")
      #expect(!t.chapters.isEmpty, "\(file) has no chapter")
      #expect(t.steps.contains { !$0.say.isEmpty }, "\(file) has no say")
    }
  }

  @Test("the built-in tour passes its expectations")
  func tour() {
    let scene = Parser.parse(BuiltinScenes.tour)
    #expect(scene.diagnostics.isEmpty)
    let t = Timeline(scene: scene, defaultTitle: "tour")
    #expect(t.stepCount > 10)
    for bound in t.expectations { #expect(t.evaluate(bound) == .pass) }
  }

  @Test("a wrong expectation fails, naming expected and actual")
  func failingExpectation() {
    let t = Timeline(
      scene: Parser.parse("spawn P1\nmmap P1 A 1\ntouch P1 A 0\nexpect refcount AV1 == 5\nexpect root AV9 == AV1"),
      defaultTitle: "x")
    #expect(t.evaluate(t.expectations[0]) == .fail(expected: "5", actual: "0"))
    #expect(
      t.evaluate(t.expectations[1])
        == .error(.anonVMANotAllocated, "AV9 names nothing at this step (AV1..AV1 allocated)"))
  }

  @Test("a runtime scene error stops the timeline with a located diagnostic")
  func runtimeError() {
    let t = Timeline(
      scene: Parser.parse("spawn P1\nmmap P1 A 2\nmprotect P1 A 0..1 ro\ntouch P1 A 1"), defaultTitle: "x")
    #expect(t.stepCount == 3)
    #expect(t.runtimeDiagnostics.map(\.location.line) == [4])
    #expect(t.runtimeDiagnostics.first?.message == "write fault on read-only page P1 A 1 (at step 4)")
  }

  @Test("the state JSON is deterministic and matches the golden file for E2")
  func goldenState() throws {
    let a = try load("e2-fork-cow.scene")
    let b = try load("e2-fork-cow.scene")
    let allA = (0...a.stepCount).map { a.stateJSON(step: $0) }.joined(separator: "\n") + "\n"
    let allB = (0...b.stepCount).map { b.stateJSON(step: $0) }.joined(separator: "\n") + "\n"
    #expect(allA == allB)
    try assertGolden(allA, "Tests/ScenePlayerTests/Golden/e2-fork-cow.jsonl")
  }

  @Test("the state JSON has the contract's fields in order, and parses")
  func stateFields() throws {
    let t = try load("e3-three-generations.scene")
    let json = t.stateJSON(step: 5)
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let keys = [
      "scene", "kernel", "variants", "step", "steps", "label", "chapter", "processes", "vmas",
      "anon_vmas", "pages", "ksm", "locks", "cpus", "last_walk", "freed", "violations",
    ]
    for key in keys { #expect(object?[key] != nil, "missing \(key)") }
    #expect(json.hasPrefix("{\"scene\": \"E3: Three generations and root lifetime\", \"kernel\": \"2.6.36\""))
    let anon = object?["anon_vmas"] as? [[String: Any]]
    #expect(anon?.first?["refcount"] as? Int == 2)
    #expect((object?["vmas"] as? [[String: Any]])?.last?["chain"] as? [String] == ["AV3", "AV2", "AV1"])
  }
}

@Suite("Variants re-introduce exactly their bug")
struct VariantTests {
  /// Scenes under scenes/ that set a variant.
  static func variantScenes() -> [String] {
    sceneFiles().filter { file in
      let text = (try? String(contentsOf: repoRoot.appendingPathComponent("scenes/\(file)"), encoding: .utf8)) ?? ""
      return text.split(separator: "\n").contains { $0.hasPrefix("variant ") }
    }
  }

  @Test("there is a scene for each implemented variant")
  func coverage() {
    let texts = Self.variantScenes().compactMap {
      try? String(contentsOf: repoRoot.appendingPathComponent("scenes/\($0)"), encoding: .utf8)
    }
    for v in ["no-6/5", "no-5/5", "root-self-drop", "swapin-rc3", "mremap-uaf"] {
      #expect(texts.contains { $0.contains("variant \(v)") }, "no scene uses \(v)")
    }
  }

  @Test("with the variant the scene reports a violation; without it, none", arguments: variantScenes())
  func variantMatters(file: String) throws {
    let source = try String(contentsOf: repoRoot.appendingPathComponent("scenes/\(file)"), encoding: .utf8)
    let with = Timeline(scene: Parser.parse(source), defaultTitle: file)
    // A control scene (the variant's bug cannot happen there: it expects no violation and names
    // none, e.g. layout 4 of mremap-uaf) runs clean with the variant too.
    let lines = source.split(separator: "\n")
    let control = lines.contains("expect violations == 0") && !lines.contains { $0.hasPrefix("expect violation ") }
    #expect((with.states.last?.violations.isEmpty ?? false) == control, "\(with.states.last?.violations ?? [])")
    let without = source.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("variant ") && !$0.hasPrefix("expect violation") && !$0.hasPrefix("expect violations") }
      .joined(separator: "\n")
    let plain = Timeline(scene: Parser.parse(without), defaultTitle: file)
    #expect(plain.runtimeDiagnostics.isEmpty)
    #expect(plain.states.last?.violations.isEmpty == true, "\(plain.states.last?.violations ?? [])")
  }
}

/// Locks of a state JSON line that list neither a holder nor a waiter.
func emptyLockEntries(_ json: String) throws -> [String] {
  let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
  let locks = try #require(object["locks"] as? [[String: Any]])
  return locks.filter { lock in
    ((lock["holders"] as? [Any]) ?? []).isEmpty && ((lock["waiters"] as? [Any]) ?? []).isEmpty
  }.compactMap { $0["lock"] as? String }
}

@Suite("Locks in the state JSON (issue 22)")
struct LockListTests {
  @Test("a lock whose waiter was woken by the release is no longer listed")
  func wokenWaiter() throws {
    let scene = Parser.parse(
      """
      kernel 2.6.36
      cpus 2
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      fork P1 P2
      on cpu0 take-all-locks P1
      on cpu1 exit P2
      on cpu0 drop-all-locks P1
      """)
    let t = Timeline(scene: scene, defaultTitle: "t")
    #expect(t.runtimeDiagnostics.isEmpty)
    #expect(t.states[6].cpus[1].state == .blocked)
    #expect(try emptyLockEntries(t.stateJSON(step: 6)).isEmpty)
    #expect(t.states[7].cpus[1].state == .running)
    #expect(try emptyLockEntries(t.stateJSON(step: 7)) == [])
    #expect(t.states[7].lockedAnonVMAs.isEmpty)
    #expect(t.states.last?.violations.isEmpty == true)
  }

  @Test(
    "no state of a concurrency or race scene lists a lock with neither holder nor waiter",
    arguments: sceneFiles().filter { $0.hasPrefix("concurrency/") || $0.hasPrefix("races/") })
  func everyState(file: String) throws {
    let t = try load(file)
    for step in 0...t.stepCount {
      #expect(try emptyLockEntries(t.stateJSON(step: step)) == [], "\(file) step \(step)")
      for (event, world) in t.microStates(step: step) {
        #expect(!world.violations.contains { $0.code == "C23" }, "\(file) step \(step) after \(event.summary)")
      }
    }
    // Every interleaving of a race scene: C23 is checked after each micro-step the explorer tries.
    if file.hasPrefix("races/") {
      let name = String(file.dropFirst("races/".count))
      let report = try explorer(name).0.explore()
      #expect(!report.findings.contains { $0.code == "C23" }, "\(file): \(report.findings.map(\.message))")
    }
  }
}

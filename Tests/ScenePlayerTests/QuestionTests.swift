import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// `ask` lines: their answers come from the model, and agree with what `expect` checks.
@Suite("Questions (ask): answered by the model, checked, completed")
struct QuestionTests {
  /// The `expect` lines that hold exactly when `answer` is the answer to `q` (written without the
  /// question code: the expect machinery checks them on its own).
  static func expectations(_ q: Question, answer: String) -> [SceneScript.Expectation]? {
    let words = answer.split(separator: " ").map(String.init)
    func av(_ w: String) -> AnonVMAID? { World.anonVMAID(named: w) }
    let avs = answer == "none" ? [] : words.compactMap(av)
    switch q {
    case .count(.anonVMAs): return Int(answer).map { [.anonVMAs($0)] }
    case .count(.avcs): return Int(answer).map { [.avcs($0)] }
    case .count(.pages): return Int(answer).map { [.pages($0)] }
    case .count(.violations): return Int(answer).map { [.violations($0)] }
    case .chain(let r): return [.chain(r, avs)]
    case .anonVMA(let r): return [.anonVMA(r, avs.first)]
    case .root(let a): return avs.first.map { [.root(a, $0)] }
    case .parent(let a): return avs.first.map { [.parent(a, $0)] }
    case .counter(let k, let a): return Int(answer).map { [.counter(k, a, $0)] }
    case .page(let r): return answer == "KSM" ? [.pageIn(r, nil)] : avs.first.map { [.pageIn(r, $0)] }
    case .lock(let a):
      if answer == "free" { return [.lockFree(a)] }
      return words.map { .lockHeld(a, cpu: Int($0.dropFirst(3)) ?? -1, mode: nil) }
    case .cpuState(let c): return CPUState(rawValue: answer).map { [.cpuState(c, $0)] }
    case .alive(let a): return [answer == "alive" ? .alive(a) : .freed(a)]
    case .visits(let r): return [.visits(r, answer == "none" ? [] : words)]
    }
  }

  @Test("every ask in scenes/ has the model's answer, which the expect machinery confirms; E1-E6 ask at least two")
  func everyAskInScenes() throws {
    var asked = 0
    for file in sceneFiles() {
      let t = try load(file)
      if ["e1-", "e2-", "e3-", "e4-", "e5-", "e6-"].contains(where: { file.hasPrefix($0) }) {
        #expect(t.questions.count >= 2, "\(file) asks \(t.questions.count) questions")
      }
      #expect(t.questionDiagnostics.isEmpty, "\(file): \(t.questionDiagnostics)")
      for q in t.questions {
        asked += 1
        let answer = try #require(t.answer(q).text, "\(file):\(q.statement.location.line)")
        #expect(!answer.isEmpty)
        let expected = try #require(Self.expectations(q.question, answer: answer), "\(file): \(answer)")
        for e in expected {
          #expect(
            Timeline.evaluate(e, in: t.states[q.step]) == .pass,
            "\(file):\(q.statement.location.line): the model's answer '\(answer)' is not what expect sees")
        }
        // The answer is about the world after the step: the line binds to the step after it.
        #expect(q.step >= 1 && q.step <= t.stepCount)
        #expect(t.steps[q.step].location.map { $0.line > q.statement.location.line } == true)
      }
    }
    #expect(asked >= 12)
  }

  @Test("ask binds to the next step, is not a step, and each kind has its answer")
  func kinds() throws {
    let source = """
      cpus 2
      spawn P1
      mmap P1 A 2
      ask anon_vma P1 A
      ask root AV1
      ask chain P1 A
      ask lock AV1
      touch P1 A 0
      ask chain P2 A
      ask page P2 A 0
      ask refcount AV1
      ask alive AV2
      fork P1 P2
      ask visits P1 A 0
      rmap P1 A 0
      ask lock-holder AV1
      ask state cpu1
      on cpu1 take-all-locks P1
      ask avcs
      ask pages
      ask violations
      ask anon_vmas
      on cpu1 drop-all-locks P1
      """
    let scene = Parser.parse(source)
    #expect(scene.diagnostics.isEmpty, "\(scene.diagnostics)")
    let t = Timeline(scene: scene, defaultTitle: "t")
    #expect(t.stepCount == 7)
    #expect(t.questions.map(\.step) == [3, 3, 3, 3, 4, 4, 4, 4, 5, 6, 6, 7, 7, 7, 7])
    #expect(
      t.questions.map { t.answer($0).text ?? "?" } == [
        "AV1", "AV1", "AV1", "free", "AV2 AV1", "AV1", "1", "alive", "P1:A@0 P2:A@0", "cpu1", "idle", "3", "1", "0",
        "2",
      ])
    #expect(t.questionDiagnostics.isEmpty)
  }

  @Test("a question the model cannot answer after its step is a scene error at the ask line")
  func unanswerable() {
    let cases: [(String, DiagnosticID, String)] = [
      ("spawn P1\nmmap P1 A 1\nask root AV2\ntouch P1 A 0", .anonVMANotAllocated, "AV2 names nothing at this step"),
      ("spawn P1\nmmap P1 A 1\nask page P1 A 0\nread P1 A 0", .unanswerableQuestion, "nothing is mapped at P1 A 0"),
      ("spawn P1\nmmap P1 A 1\ntouch P1 A 0\nask visits P1 A 0\nexit P1", .unanswerableQuestion, "no rmap walk"),
    ]
    for (source, id, text) in cases {
      let t = Timeline(scene: Parser.parse(source), defaultTitle: "t")
      let d = t.questionDiagnostics
      #expect(d.map(\.id) == [id], "\(source)")
      #expect(d.first?.message.contains(text) == true, "\(d)")
      #expect(d.first?.location.line == (source.split(separator: "\n").firstIndex { $0.hasPrefix("ask") } ?? 0) + 1)
    }
  }

  @Test("answers are compared normalised: case of names, commas, hex, none; order kept")
  func normalize() {
    #expect(Question.normalize("av3, AV2  av1") == "AV3 AV2 AV1")
    #expect(Question.normalize("AV1 AV2") != Question.normalize("AV2 AV1"))
    #expect(Question.normalize("0x10") == "16")
    #expect(Question.normalize("-1") == "-1")
    #expect(Question.normalize("Null") == "none")
    #expect(Question.normalize("ksm") == "KSM")
    #expect(Question.normalize("CPU1 cpu0") == "cpu1 cpu0")
    #expect(Question.normalize("Freed") == "freed")
    #expect(Question.normalize("P1:A@0") == "P1:A@0")
    #expect(Question.normalize("  ") == "")
  }

  @Test("Tab completes a word among names: one match, a common prefix, none")
  func completion() {
    let names = ["AV1", "AV2", "AV10", "P1:A@0", "none"]
    #expect(Completion.complete("AV3 AV2 n", among: names) == .init(line: "AV3 AV2 none ", choices: []))
    #expect(Completion.complete("AV", among: names) == .init(line: "AV", choices: ["AV1", "AV2", "AV10"]))
    #expect(Completion.complete("av1", among: names) == .init(line: "AV1", choices: ["AV1", "AV10"]))
    #expect(Completion.complete("P", among: names) == .init(line: "P1:A@0 ", choices: []))
    #expect(Completion.complete("x", among: names) == .init(line: "x", choices: []))
  }

  @Test("the names offered for an answer exist before its step (the step's new names are not given away)")
  func answerNames() throws {
    let t = try load("e3-three-generations.scene")
    let q = try #require(t.questions.first { if case .chain = $0.question { return true } else { return false } })
    #expect(t.answerNames(for: q) == ["AV1", "AV2", "none"])
  }
}

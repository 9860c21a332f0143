import SceneScript
import Testing

@Suite("Diagnostic ids: every kind of message has one, every id is used")
struct DiagnosticIDTests {
  /// One scene per id that yields exactly that diagnostic.
  static let examples: [(DiagnosticID, String)] = [
    (.unterminatedString, "say \"open"),
    (.unknownEscape, "say \"a \\q\""),
    (.statementIsString, "\"spawn\""),
    (.unknownStatement, "sapwn P1"),
    (.unknownKernel, "kernel 3.0"),
    (.unknownVariant, "variant nope"),
    (.cpuCount, "cpus 9"),
    (.stepCount, "cpus 2\nspawn P1\non cpu0 step 0"),
    (.notAnOperation, "spawn P1\non cpu0 frob"),
    (.mappingSize, "spawn P1\nmmap P1 heap 0"),
    (.mmapOption, "spawn P1\nmmap P1 heap 1 growsup"),
    (.mremapOption, "spawn P1\nmmap P1 heap 1\nmremap P1 heap 0 to moved sideways"),
    (.protection, "spawn P1\nmmap P1 heap 1\nmprotect P1 heap 0 rx"),
    (.unknownExpectation, "expect frobs == 1"),
    (.firstPage, "spawn P1\nmmap P1 heap 1\nexpect chain P1 heap @x == AV1"),
    (.lockMode, "expect lock AV1 held-by cpu0 both"),
    (.lockState, "expect lock AV1 taken"),
    (.vmaID, "spawn P1\nmmap P1 heap 1\ntouch P1 heap 0\nexpect visits P1 heap 0 == P1-heap"),
    (.invariantCode, "expect violation C99"),
    (.tooManyErrors, String(repeating: "x\n", count: Parser.errorLimit)),
    (.emptyScene, "# nothing\n"),
    (.missingArgument, "spawn"),
    (.stringForWord, "spawn \"P1\""),
    (.badName, "spawn 1P"),
    (.expectedString, "say hello"),
    (.badNumber, "cpus two"),
    (.badRange, "spawn P1\nmmap P1 heap 4\ntouch P1 heap 1..x"),
    (.reversedRange, "spawn P1\nmmap P1 heap 4\ntouch P1 heap 3..1"),
    (.expectedWord, "expect avcs = 1"),
    (.badCPUName, "on gpu0 begin spawn P1"),
    (.badAnonVMAName, "expect alive V1"),
    (.extraArgument, "spawn P1 P2"),
    (.unknownProcess, "spawn P1\nexit P2"),
    (.exitedProcess, "spawn P1\nexit P1\nexit P1"),
    (.unknownMapping, "spawn P1\ntouch P1 heap 0"),
    (.pageOutOfRange, "spawn P1\nmmap P1 heap 1\ntouch P1 heap 1"),
    (.duplicateProcess, "spawn P1\nspawn P1"),
    (.duplicateMapping, "spawn P1\nmmap P1 heap 1\nmmap P1 heap 2"),
    (.headerAfterOperation, "spawn P1\ncpus 2"),
    (.headerTwice, "cpus 2\ncpus 2\nspawn P1"),
    (.unknownCPU, "spawn P1\non cpu1 begin exit P1"),
    (.modernOnly, "expect num_children AV1 == 0"),
    (.variantKernel, "kernel 6.1\nvariant no-6/5"),
    (.unknownQuestion, "ask frob"),
    (.askWithoutStep, "spawn P1\nask anon_vmas"),
  ]

  /// The ids of problems found outside the parser: reading the file (the command line), running
  /// the scene, checking its expectations, preparing a race search. Each is produced in
  /// ScenePlayerTests' `FoundLaterDiagnosticTests` or EndToEndTests' `SceneFileDiagnosticTests`.
  static let foundLater: Set<DiagnosticID> = [
    .nulByte, .invalidUTF8, .operationRefused, .budgetExceeded, .interrupted, .anonVMANotAllocated, .nothingOnCPUs,
    .unanswerableQuestion,
  ]

  @Test("each example yields exactly its id, and together they use every id found by parsing")
  func everyIDUsed() {
    for (id, source) in Self.examples {
      let ids = Parser.parse(source).diagnostics.map(\.id)
      if id == .tooManyErrors {
        #expect(ids.last == id)
      } else {
        #expect(ids == [id], "\(id): \(source)")
      }
    }
    let parsed = Set(DiagnosticID.allCases).subtracting(Self.foundLater)
    #expect(Set(Self.examples.map(\.0)) == parsed)
    #expect(Self.examples.count == parsed.count)
  }

  @Test("every diagnostic of the scene language has an id of its own kind (never one of those found later)")
  func everyDiagnosticHasAnID() {
    let hostile = [
      "on cpu0 begin\non\non cpu9 x\nexpect\nexpect chain\nexpect lock AV1\nmmap P1 heap 1 growsdown x",
      "\u{1b}[31m \"\u{7}\" \t#\nkernel\nvariant\ncpus 0x\ntouch P1 m 1..\"q\"\nexpect page P1 m 0 in AV0",
    ]
    for source in hostile + Self.examples.map(\.1) {
      let diagnostics = Parser.parse(source).diagnostics
      #expect(!diagnostics.isEmpty)
      #expect(diagnostics.allSatisfy { !Self.foundLater.contains($0.id) }, "\(source)")
    }
  }

  @Test("ids found outside the parser are in the ranges of their stages (S00xx the file, S04xx..S06xx later)")
  func foundLaterRanges() {
    for id in Self.foundLater {
      #expect(["S00", "S04", "S05", "S06"].contains(id.rawValue.prefix(3)), "\(id)")
    }
    #expect(!DiagnosticID.allCases.contains { $0.rawValue == "S0901" }, "S0901 is retired")
  }

  @Test("ids are distinct codes S0NNN")
  func codes() {
    let codes = DiagnosticID.allCases.map(\.rawValue)
    #expect(Set(codes).count == codes.count)
    #expect(codes.allSatisfy { $0.count == 5 && $0.hasPrefix("S0") && Int($0.dropFirst()) != nil })
  }

  @Test("help is data, and is printed as part of the message")
  func help() {
    let statement = Parser.parse("sapwn P1").diagnostics
    #expect(statement.map(\.help) == [.didYouMean("spawn")])
    #expect(statement.map(\.summary) == ["unknown statement 'sapwn'"])
    #expect(statement.map(\.message) == ["unknown statement 'sapwn'; did you mean 'spawn'?"])
    let process = Parser.parse("spawn P1\nexit P2").diagnostics
    #expect(process.map(\.message) == ["unknown process 'P2'; did you mean 'P1'?"])
    let cpu = Parser.parse("spawn P1\non cpu1 begin exit P1").diagnostics
    #expect(cpu.map(\.help) == [.hint("set 'cpus N' in the header")])
    #expect(cpu.map(\.message) == ["cpu1 does not exist: the scene has 1 CPU(s) (set 'cpus N' in the header)"])
    let empty = Parser.parse("").diagnostics
    #expect(empty.map(\.message) == ["empty scene: no statements (see scenes/ for examples)"])
    let renderer = DiagnosticRenderer(fileName: "a.scene", source: "sapwn P1")
    #expect(
      renderer.render(all: statement)
        == "a.scene:1:1: error: unknown statement 'sapwn'; did you mean 'spawn'?\nsapwn P1\n^~~~~")
  }
}

import AnonVMASim
import SceneScript
import Testing

/// Parses `source` where `1️⃣`, `2️⃣`, ... mark the expected positions of diagnostics.
func assertDiagnostics(
  _ marked: String, _ messages: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  let markers = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣"]
  var source = ""
  var positions: [String: (Int, Int)] = [:]
  var line = 1
  var column = 1
  var rest = Substring(marked)
  outer: while let c = rest.first {
    for m in markers where rest.hasPrefix(m) {
      positions[m] = (line, column)
      rest = rest.dropFirst(m.count)
      continue outer
    }
    source.append(c)
    if c == "\n" {
      line += 1
      column = 1
    } else {
      column += c.unicodeScalars.count
    }
    rest = rest.dropFirst()
  }
  let scene = Parser.parse(source)
  let got = scene.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }
  let expected = zip(markers, messages).map { m, msg in
    let (l, c) = positions[m] ?? (0, 0)
    return "\(l):\(c): \(msg)"
  }
  #expect(got == expected, sourceLocation: sourceLocation)
}

@Suite("Scene language: lexer, parser and diagnostics")
struct ParserTests {
  @Test("the lexer round-trips its input, whatever it is")
  func roundTrip() {
    let inputs = [
      "spawn P1\n  mmap P1 heap 4 # comment\n\n",
      "say \"a \\\"quoted\\\" word\\n\"\r\ntitle \"unterminated\n",
      "\u{1b}[31m \"\u{7}\" \t\t#\"x\"\n\"bad \\q escape\"",
      "", "\n\n\n", "é 日本 \"ü\"",
    ]
    for input in inputs {
      #expect(Lexer.tokenize(input).map(\.text).joined() == input)
    }
  }

  @Test("strings unescape \\\", \\\\ and \\n")
  func strings() {
    let scene = Parser.parse("say \"a \\\"b\\\" \\\\ c\\nd\"")
    #expect(scene.statements.first?.statement == .say("a \"b\" \\ c\nd"))
  }

  @Test("numbers: decimal, hex and ranges")
  func numbers() {
    let scene = Parser.parse("spawn P1\nmmap P1 A 0x10\ntouch P1 A 2..0xf")
    #expect(scene.diagnostics.isEmpty)
    #expect(
      scene.statements[1].statement == .operation(.mmap(process: "P1", mapping: "A", pages: 16, growsDown: false)))
    #expect(scene.statements[2].statement == .operation(.touch(process: "P1", mapping: "A", first: 2, last: 15)))
  }

  @Test("unknown statement, with a suggestion")
  func unknownStatement() {
    assertDiagnostics("spawn P1\n1️⃣forq P1 P2", ["unknown statement 'forq'; did you mean 'fork'?"])
    assertDiagnostics("1️⃣zzzzzz", ["unknown statement 'zzzzzz'"])
  }

  @Test("missing and extra arguments")
  func arity() {
    assertDiagnostics(
      "spawn P1\nmmap P1 heap1️⃣\nmmap P1 h 4 2️⃣extra",
      ["missing a number of pages", "unexpected extra argument 'extra' (the options are growsdown and after MAPPING)"])
  }

  @Test("bad numbers and ranges")
  func badNumbers() {
    assertDiagnostics(
      "spawn P1\nmmap P1 h 1️⃣4x\nmmap P1 g 4\ntouch P1 g 2️⃣3..1\ncpus 3️⃣9",
      [
        "bad number '4x' (expected a number of pages: decimal or 0x hex)",
        "bad page range '3..1': 3 is after 1",
        "cpus must be between 1 and 8, not 9",
      ])
  }

  @Test("unknown kernel and variant")
  func kernelAndVariant() {
    assertDiagnostics(
      "kernel 1️⃣2.4\nvariant 2️⃣no-7/5",
      [
        "unknown kernel '2.4' (expected 2.6.34, 2.6.36, 2.6.35, root-lock, 6.1, 6.x, modern or mainline)",
        "unknown variant 'no-7/5' (expected one of no-6/5, no-5/5, root-self-drop, swapin-rc3, degree, plain-dec, root-reread, mremap-uaf)",
      ])
  }

  @Test("unterminated string and unknown escape")
  func badStrings() {
    assertDiagnostics(
      "title 1️⃣\"open\nsay \"bad 2️⃣\\q\"",
      ["unterminated string", "unknown escape '\\q' in string (use \\\", \\\\ or \\n)"])
  }

  @Test("unknown process, mapping, page out of range, exited process, duplicate name")
  func names() {
    assertDiagnostics(
      """
      spawn P1
      mmap P1 heap 4
      touch 1️⃣P2 heap 0
      touch P1 2️⃣stack 0
      touch P1 heap 3️⃣4
      spawn 4️⃣P1
      exit P1
      fork 5️⃣P1 P3
      """,
      [
        "unknown process 'P2'; did you mean 'P1'?",
        "process 'P1' has no mapping 'stack'",
        "page 4 is out of range: mapping 'heap' of 'P1' has 4 page(s) (0..3)",
        "duplicate process name 'P1'",
        "operation on exited process 'P1'",
      ])
  }

  @Test("expect lines that name nothing, and header placement")
  func expectAndHeader() {
    assertDiagnostics(
      """
      spawn P1
      1️⃣kernel 2.6.34
      expect chain 2️⃣P9 heap == AV1
      expect root 3️⃣X1 == AV1
      expect idle 4️⃣cpu3
      expect 5️⃣weird 1
      """,
      [
        "header statement 'kernel' must come before the first operation",
        "unknown process 'P9'; did you mean 'P1'?",
        "expected an anon_vma name like AV1, found 'X1'",
        "cpu3 does not exist: the scene has 1 CPU(s)",
        "unknown expectation 'weird'",
      ])
  }

  @Test("a variant of another kernel model is an error")
  func variantOfAnotherKernel() {
    assertDiagnostics(
      "kernel 6.1\nvariant 1️⃣no-6/5\nvariant degree", ["variant 'no-6/5' applies to kernel 2.6.36, not 6.1"])
    assertDiagnostics("variant 1️⃣degree", ["variant 'degree' applies to kernel 6.1, not 2.6.36"])
  }

  @Test("on CPU statements parse; a CPU beyond cpus is an error")
  func onStatements() {
    let scene = Parser.parse(
      "cpus 2\nspawn P1\non cpu1 begin spawn P2\non cpu1 step 3\non cpu1 finish\non cpu0 exit P1")
    #expect(scene.diagnostics.isEmpty)
    #expect(scene.statements[2].statement == .on(cpu: 1, .begin(.spawn("P2"))))
    #expect(scene.statements[3].statement == .on(cpu: 1, .step(3)))
    #expect(scene.statements[5].statement == .on(cpu: 0, .run(.exit("P1"))))
    assertDiagnostics(
      "spawn P1\non 1️⃣cpu1 exit P1", ["cpu1 does not exist: the scene has 1 CPU(s) (set 'cpus N' in the header)"])
  }

  @Test("the rendered diagnostic has file:line:col, the line and a caret; control characters are escaped")
  func rendering() {
    let source = "spawn P1\nfrok P1 \u{1b}[31mP2"
    let scene = Parser.parse(source)
    let text = DiagnosticRenderer(fileName: "x.scene", source: source).render(all: scene.diagnostics)
    #expect(text == "x.scene:2:1: error: unknown statement 'frok'; did you mean 'fork'?\nfrok P1 \\e[31mP2\n^~~~")
    #expect(!text.unicodeScalars.contains("\u{1b}"))
  }
}

@Suite("String literals")
struct QuoteTests {
  @Test("Lexer.quote is the inverse of the lexer's string escapes")
  func roundTrip() {
    for text in ["plain", "a \"quoted\" word", "back\\slash", "two\nlines", "\u{1b}[31m raw", ""] {
      let tokens = Lexer.tokenize("say " + Lexer.quote(text))
      #expect(tokens.last?.kind == .string)
      #expect(tokens.last?.value == text)
    }
  }

  /// The model a scene is written for, as `--compare` and `races` read it: variants sorted as a
  /// Timeline keeps them, so their order in the file does not make the same model look different.
  @Test("declaredModel: the kernel line (2.6.36 without one) and the variants, sorted")
  func declaredModel() {
    let scene = Parser.parse("kernel 2.6.36\nvariant root-reread\nvariant no-6/5\nspawn P1")
    #expect(scene.declaredModel.kernel == .v2_6_36)
    #expect(scene.declaredModel.variants == [Variant.rootReread, .noSixFive].sorted())
    #expect(scene.declaredModel.variants.first == Variant.noSixFive)
    #expect(Parser.parse("kernel mainline\nspawn P1").declaredModel.kernel == .mainline)
    #expect(Parser.parse("spawn P1").declaredModel == (.v2_6_36, []))
  }
}

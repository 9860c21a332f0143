import AnonVMASim
import SceneScript
import Testing

@Suite("Operation keywords: one table")
struct KeywordsTests {
  static let page = PageRef(process: "P1", mapping: "heap", index: 3)
  /// One operation per keyword (and both forms of the optional arguments).
  static let samples: [Operation] = [
    .spawn("P1"),
    .mmap(process: "P1", mapping: "heap", pages: 4, growsDown: false),
    .mmap(process: "P1", mapping: "stack", pages: 2, growsDown: true),
    .touch(process: "P1", mapping: "heap", first: 0, last: 3),
    .read(process: "P1", mapping: "heap", first: 2, last: 2),
    .fork(parent: "P1", child: "P2"),
    .exit("P2"),
    .munmap(process: "P1", mapping: "heap", first: nil, last: nil),
    .munmap(process: "P1", mapping: "heap", first: 1, last: 2),
    .mprotect(process: "P1", mapping: "heap", first: 0, last: 1, prot: .ro),
    .mremap(
      MRemapArgs(
        process: "P1", mapping: "heap", first: 0, last: 1, target: "moved", placement: .after("stack"), dontUnmap: true)
    ),
    .ksmMerge(page, PageRef(process: "P2", mapping: "heap", index: 3)),
    .ksmUnmerge(page), .ksmdScan, .swapOut(page), .migrate(page), .rmap(page),
    .takeAllLocks("P1"), .dropAllLocks("P1"),
    .brk(process: "P1", mapping: "heap", pages: 2),
    .growStack(process: "P1", mapping: "stack", pages: 3),
  ]

  @Test("each keyword has exactly one row, and the parser knows the keywords in table order")
  func oneRowPerKeyword() {
    let keywords = OperationSyntax.all.map(\.keyword)
    #expect(keywords.count == Operation.Keyword.allCases.count)
    #expect(Set(keywords) == Set(Operation.Keyword.allCases))
    #expect(Parser.operationKeywords == keywords.map(\.rawValue))
    for row in OperationSyntax.all {
      #expect(OperationSyntax.named(row.keyword.rawValue)?.keyword == row.keyword)
      #expect(row.usage.hasPrefix(row.keyword.rawValue))
    }
  }

  @Test("an operation's label parses back into the operation, for every keyword")
  func labelRoundTrips() {
    #expect(Set(Self.samples.map(\.keyword)) == Set(Operation.Keyword.allCases))
    for op in Self.samples {
      let scene = Parser.parse(op.label, check: false)
      #expect(scene.diagnostics.isEmpty, "\(op.label)")
      #expect(scene.statements.map(\.statement) == [.operation(op)], "\(op.label)")
      #expect(op.label.hasPrefix(op.keyword.rawValue))
    }
    #expect(
      Operation.mprotect(process: "P1", mapping: "heap", first: 0, last: 1, prot: .rw).label
        == "mprotect P1 heap 0..1 rw")
    #expect(Operation.ksmdScan.label == "ksmd-scan")
  }
}

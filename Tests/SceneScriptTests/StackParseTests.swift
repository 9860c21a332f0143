import AnonVMASim
import SceneScript
import Testing

@Suite("brk and grow-stack in the scene language")
struct StackParseTests {
  @Test("brk P M +N and grow-stack P M N parse and print back")
  func roundTrip() {
    let scene = Parser.parse("spawn P1\nmmap P1 heap 2\nbrk P1 heap +3\nmmap P1 st 2 growsdown\ngrow-stack P1 st 0x2")
    #expect(scene.diagnostics.isEmpty)
    let brk = Operation.brk(process: "P1", mapping: "heap", pages: 3)
    let grow = Operation.growStack(process: "P1", mapping: "st", pages: 2)
    #expect(scene.statements[2].statement == .operation(brk))
    #expect(scene.statements[4].statement == .operation(grow))
    #expect(brk.label == "brk P1 heap +3")
    #expect(grow.label == "grow-stack P1 st 2")
    #expect(Parser.parse("spawn P1\nmmap P1 heap 2\n\(brk.label)").statements[2].statement == .operation(brk))
  }

  @Test("bad forms: where and what")
  func errors() {
    assertDiagnostics(
      """
      spawn P1
      mmap P1 heap 2
      brk P1 heap 1️⃣3
      brk P1 heap 2️⃣+0
      grow-stack P1 heap 3️⃣+x
      brk P1 heap4️⃣
      grow-stack P1 heap 2 5️⃣more
      brk P1 6️⃣nope +1
      """,
      [
        "bad growth '3' (expected +N, the number of pages to add)",
        "a mapping grows by 1 to 1048576 pages, not 0",
        "bad growth '+x' (expected a plain number of pages, without '+')",
        "missing +PAGES (the growth, e.g. +1)",
        "unexpected extra argument 'more'",
        "process 'P1' has no mapping 'nope'",
      ])
  }
}

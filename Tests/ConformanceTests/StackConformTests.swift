import AnonVMASim
import Conformance
import Testing

@Suite("brk and grow-stack under anonvis conform")
struct StackConformTests {
  @Test("brk and grow-stack have no counterpart in the executor: named with why, no commands")
  func unsupported() throws {
    let machine = Machine(numaNodes: 2, hasSwap: true)
    let brk = Operation.brk(process: "P1", mapping: "heap", pages: 1)
    let grow = Operation.growStack(process: "P1", mapping: "stack", pages: 1)
    #expect(
      ConformPlan.unsupported(.operation(brk), on: machine)
        == "brk is not driven by the executor (the real brk() grows only the process's own heap)")
    #expect(ConformPlan.unsupported(.operation(grow), on: machine)?.hasPrefix("grow-stack is not driven") == true)
    var before = World(kernel: .v6)
    _ = try before.apply(.spawn("P1"))
    _ = try before.apply(.mmap(process: "P1", mapping: "heap", pages: 1, growsDown: false))
    var after = before
    _ = try after.apply(brk)
    #expect(ConformPlan.commands(for: brk, before: before, after: after).isEmpty)
  }
}

import Testing

@testable import AnonVMASim

/// C12 (``World/checkPageSafety(_:)``) walks a page table in the table's own order and reports
/// its problems in address order.
@Suite("C12's report order")
struct PageSafetyOrderTests {
  @Test("problems at several addresses of one process are reported in address order, in every check")
  func addressOrder() {
    let t = timeline("spawn P1\nmmap P1 A 12\ntouch P1 A 0..11")
    var w = t.states[t.stepCount]
    guard let p1 = w.processIndex(named: "P1") else {
      Issue.record("no P1")
      return
    }
    // Every page freed while still mapped: one problem per address.
    for vpage in w[process: p1].ptes.keys {
      if let page = w.page(process: p1, vpage: vpage) { w[page: page].freed = true }
    }
    let base = w[process: p1].mappings[0].base
    let expected = (0..<12).map {
      "C12: pg\(w.page(process: p1, vpage: base + $0)?.raw ?? -1) is mapped at P1 A \($0) but was freed"
    }
    // The table's order follows its keys' hashes, seeded per run: twelve entries are out of
    // address order on all but a vanishing share of runs.
    for scoped in [false, true] {
      w.touchProcess(p1)
      let found = w.invariantViolations(scope: scoped ? CheckScope(w) : nil).filter { $0.code == "C12" }
      #expect(found.map { "\($0.code): \($0.message)" } == expected, "scoped: \(scoped)")
    }
  }
}

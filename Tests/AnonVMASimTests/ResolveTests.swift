import AnonVMASim
import Testing

/// The message of the error an operation raises, or nil.
private func error(_ body: (inout World) throws(SimError) -> Void, in world: World) -> String? {
  var w = world
  do {
    try body(&w)
    return nil
  } catch {
    return error.message
  }
}

@Suite("Names resolve by one rule, at begin and at the first micro-step")
struct ResolveTests {
  /// P1 with a two-page heap, page 0 touched; P2 exited.
  static let world: World = {
    var w = World(kernel: .v2_6_36, cpus: 2)
    for op: Operation in [
      .spawn("P1"), .mmap(process: "P1", mapping: "heap", pages: 2, growsDown: false),
      .touch(process: "P1", mapping: "heap", first: 0, last: 0), .spawn("P2"), .exit("P2"),
    ] {
      _ = try? w.apply(op)
    }
    return w
  }()

  @Test("at begin, each name that does not resolve is reported precisely")
  func begin() {
    let heap0 = PageRef(process: "P1", mapping: "heap", index: 0)
    let cases: [(Operation, String)] = [
      (.touch(process: "P9", mapping: "heap", first: 0, last: 0), "unknown process 'P9'"),
      (.exit("P2"), "process 'P2' has exited"),
      (.read(process: "P1", mapping: "stack", first: 0, last: 0), "process 'P1' has no mapping 'stack'"),
      (
        .mprotect(process: "P1", mapping: "heap", first: 0, last: 5, prot: .ro),
        "page 5 is out of range: mapping 'heap' has 2 pages"
      ),
      (.munmap(process: "P1", mapping: "heap", first: 1, last: 0), "empty page range 1..0"),
      (.spawn("P1"), "process 'P1' already exists"),
      (.fork(parent: "P1", child: "P2"), "process 'P2' already exists"),
      (.mmap(process: "P1", mapping: "heap", pages: 1, growsDown: false), "process 'P1' already has a mapping 'heap'"),
      (.ksmMerge(heap0, heap0), "ksm-merge names the same mapping twice"),
      (.ksmUnmerge(heap0), "P1 heap 0 has no KSM rmap_item (it was never merged)"),
      (.rmap(PageRef(process: "P1", mapping: "heap", index: 1)), "nothing is mapped at P1 heap 1"),
      (.takeAllLocks("P2"), "process 'P2' has exited"),
    ]
    for (op, message) in cases {
      #expect(error({ w throws(SimError) in try w.begin(op, on: 0) }, in: Self.world) == message, "\(op.label)")
    }
  }

  @Test("at the first micro-step, a process gone since begin is 'unknown or exited'")
  func firstStep() {
    let message = error(
      { w throws(SimError) in
        try w.begin(.touch(process: "P1", mapping: "heap", first: 1, last: 1), on: 0)
        _ = try w.apply(.exit("P1"), on: 1)
        _ = try w.finish(cpu: 0)
      }, in: Self.world)
    #expect(message == "unknown or exited process 'P1'")
  }
}

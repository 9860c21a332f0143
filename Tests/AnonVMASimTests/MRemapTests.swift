import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// `mremap` (mm/mremap.c move_vma: copy_vma, move_page_tables, do_munmap or MREMAP_DONTUNMAP)
/// in every model, and the invariant C24 it needs (the rmap finds every mapped page).
@Suite("mremap: copy_vma, move_ptes and the old range, per model")
struct MRemapTests {
  static let models: [KernelVersion] = [.v2_6_34, .v2_6_36, .v6, .mainline]

  /// The world after the scene on `kernel`.
  func world(_ kernel: KernelVersion, _ body: String, sourceLocation: Testing.SourceLocation = #_sourceLocation)
    -> World
  {
    let t = timeline("kernel \(kernel.rawValue)\n" + body, sourceLocation: sourceLocation)
    return t.states.last ?? World(kernel: kernel)
  }

  /// The VMAs of P1 as `start..<end`, in address order.
  func spans(_ w: World, _ process: String = "P1") -> [String] {
    guard let p = w.processIndex(named: process) else { return [] }
    return w[process: p].vmas.compactMap { w.vmas[$0] }.map { "\($0.start)..<\($0.end)" }
  }

  /// The anon_vma a page reference's page is filed in, as `AVn`.
  func filedIn(_ w: World, _ process: String, _ mapping: String, _ index: Int) -> String? {
    guard let (p, v) = try? w.resolve(PageRef(process: process, mapping: mapping, index: index)),
      let page = w.page(process: p, vpage: v), case .anon(let a) = w[page: page].mapping
    else { return nil }
    return World.avName(a)
  }

  /// The VMAs an rmap walk from the page's anon_vma finds mapping it at its index: those on the
  /// anon_vma's list whose `vm_start + (index - vm_pgoff)` is where the page is mapped.
  func rmapFinds(_ w: World, _ process: String, _ mapping: String, _ index: Int) -> [String] {
    guard let (p, v) = try? w.resolve(PageRef(process: process, mapping: mapping, index: index)),
      let page = w.page(process: p, vpage: v), case .anon(let a) = w[page: page].mapping
    else { return [] }
    return w.listVMAs(a).compactMap { w.vmas[$0] }.filter { vma in
      vma.process == p && vma.start + (w[page: page].index - vma.pgoff) == v && vma.start <= v && v < vma.end
    }.map { w.vmaName($0.id) }
  }

  static let faulted = "spawn P1\nmmap P1 heap 8\ntouch P1 heap 0..7\n"

  @Test(
    "a faulted range moves: a new VMA on AV1, the rest split, the pages found from the new address",
    arguments: models)
  func moveFaulted(kernel: KernelVersion) {
    let w = world(kernel, Self.faulted + "mremap P1 heap 2..5 to moved\n")
    #expect(w.chain("P1", "moved") == ["AV1"])
    #expect(w.chain("P1", "heap", 0) == ["AV1"])
    #expect(w.chain("P1", "heap", 6) == ["AV1"])
    #expect(spans(w) == ["0..<2", "6..<8", "24..<28"])
    #expect(w.avcs.count == 3)
    for i in 0..<4 {
      #expect(filedIn(w, "P1", "moved", i) == "AV1")
      #expect(rmapFinds(w, "P1", "moved", i) == ["P1:moved@0"])
    }
    #expect(w.violations.isEmpty, "\(w.violations)")
    // The moved VMA keeps the old offset: vm_pgoff 2, page->index 2..5.
    let p = w.processIndex(named: "P1")
    let moved = p.flatMap { w.vma(process: $0, mapping: "moved", firstPage: nil) }.flatMap { w.vmas[$0] }
    #expect(moved?.pgoff == 2)
  }

  @Test("the rmap walk of the model finds the moved page (rmap operation)", arguments: models)
  func rmapWalk(kernel: KernelVersion) {
    let t = timeline("kernel \(kernel.rawValue)\n" + Self.faulted + "mremap P1 heap 2..5 to moved\nrmap P1 moved 1\n")
    let text = t.events(step: 5).map(\.text).joined(separator: "\n")
    #expect(text.contains("visited P1:moved@0"), "\(text)")
  }

  @Test("a fault in a moved VMA files the page at linear_page_index (vm_pgoff + offset)", arguments: models)
  func faultAfterMove(kernel: KernelVersion) {
    let w = world(
      kernel, "spawn P1\nmmap P1 heap 4\ntouch P1 heap 0\nmremap P1 heap 0..3 to moved\ntouch P1 moved 2\n")
    #expect(rmapFinds(w, "P1", "moved", 2) == ["P1:moved@0"])
    #expect(w.violations.isEmpty, "\(w.violations)")
  }

  @Test("moved back after its remnant, the range merges into it (same anon_vma, vm_pgoff continues)", arguments: models)
  func mergeBack(kernel: KernelVersion) {
    let w = world(kernel, Self.faulted + "mremap P1 heap 4..7 to out\nmremap P1 out 0..3 to back after heap\n")
    #expect(spans(w) == ["0..<8"])
    #expect(w.chain("P1", "heap") == ["AV1"])
    #expect(w.avcs.count == 1)
    #expect(rmapFinds(w, "P1", "back", 3) == ["P1:heap@0"])
    #expect(w.violations.isEmpty, "\(w.violations)")
  }

  @Test("a fork after a merge keeps the moved mapping's name: the child writes through it", arguments: models)
  func forkAfterMerge(kernel: KernelVersion) {
    let w = world(
      kernel,
      Self.faulted + "mremap P1 heap 4..7 to out\nmremap P1 out 0..3 to back after heap\nfork P1 P2\ntouch P2 back 1\n")
    #expect(filedIn(w, "P2", "back", 1) == "AV2")
    #expect(rmapFinds(w, "P2", "back", 1) == ["P2:heap@0"])
    #expect(w.violations.isEmpty, "\(w.violations)")
  }

  @Test("placed before a mapping with another anon_vma and offset, the range stays apart", arguments: models)
  func beforeRefused(kernel: KernelVersion) {
    let v = world(
      kernel, Self.faulted + "mmap P1 B 4\ntouch P1 B 0..3\nmremap P1 heap 0..3 to front before B\n")
    #expect(spans(v) == ["4..<8", "20..<24", "24..<28"])
    #expect(v.chain("P1", "front") == ["AV1"])
    #expect(v.chain("P1", "B") == ["AV2"])
    #expect(v.violations.isEmpty, "\(v.violations)")
  }

  @Test("an unfaulted range gets vm_pgoff = its address and merges into a faulted neighbour", arguments: models)
  func unfaultedMerges(kernel: KernelVersion) {
    let w = world(kernel, "spawn P1\nmmap P1 A 4\ntouch P1 A 0..3\nmmap P1 U 2\nmremap P1 U 0..1 to V after A\n")
    #expect(spans(w) == ["0..<6"])
    #expect(w.chain("P1", "A") == ["AV1"])
    #expect(w.violations.isEmpty, "\(w.violations)")
  }

  static let faultedIntoUnfaulted =
    "spawn P1\nmmap P1 A 8\nmprotect P1 A 0..3 ro\ntouch P1 A 4..7\nmremap P1 A 4..7 to F\n"
    + "mprotect P1 A 0..3 rw\nmremap P1 F 0..3 to G after A\n"

  @Test("6.x refuses to merge a faulted range into an unfaulted neighbour (chain not singular)")
  func faultedIntoUnfaulted6() {
    let w = world(.v6, Self.faultedIntoUnfaulted)
    #expect(spans(w) == ["0..<4", "4..<8"])
    #expect(w.chain("P1", "G") == ["AV1"])
    #expect(w.violations.isEmpty, "\(w.violations)")
  }

  @Test(
    "2.6.36 source: vma_merge extends the unfaulted neighbour, which gets no anon_vma; AV1 is freed under its pages")
  func faultedIntoUnfaulted2636() {
    let t = Timeline(scene: Parser.parse("kernel 2.6.36\n" + Self.faultedIntoUnfaulted), defaultTitle: "t")
    let w = t.states.last
    #expect(w.map { spans($0) } == ["0..<8"])
    #expect(w?.violations.contains { $0.code == "C12" } == true)
  }

  @Test("dontunmap of a whole VMA: the old VMA stays without pages, its chain unlinked (6.x)")
  func dontUnmapWhole() {
    let w = world(.v6, "spawn P1\nmmap P1 buf 4\ntouch P1 buf 0..3\nmremap P1 buf 0..3 to copy dontunmap\n")
    #expect(spans(w) == ["0..<4", "20..<24"])
    #expect(w.chain("P1", "buf").isEmpty)
    let p = w.processIndex(named: "P1")
    let buf = p.flatMap { w.vma(process: $0, mapping: "buf", firstPage: nil) }.flatMap { w.vmas[$0] }
    #expect(buf != nil && buf?.anonVMA == nil)
    #expect(w.chain("P1", "copy") == ["AV1"])
    #expect((0..<4).allSatisfy { i in p.map { w.page(process: $0, vpage: i) == nil } ?? false })
    #expect(rmapFinds(w, "P1", "copy", 0) == ["P1:copy@0"])
    #expect(w.violations.isEmpty, "\(w.violations)")
  }

  @Test("dontunmap of part of a VMA: the old VMA keeps its chain (6.x)")
  func dontUnmapPart() {
    let w = world(.v6, "spawn P1\nmmap P1 buf 4\ntouch P1 buf 0..3\nmremap P1 buf 0..1 to half dontunmap\n")
    #expect(spans(w) == ["0..<4", "20..<22"])
    #expect(w.chain("P1", "buf") == ["AV1"])
    #expect(w.chain("P1", "half") == ["AV1"])
    #expect(filedIn(w, "P1", "buf", 3) == "AV1")
    #expect(filedIn(w, "P1", "buf", 0) == nil)
    #expect(w.violations.isEmpty, "\(w.violations)")
  }

  @Test("dontunmap is refused on 2.6.x, naming the version", arguments: [KernelVersion.v2_6_34, .v2_6_36])
  func dontUnmapOld(kernel: KernelVersion) {
    let source = "kernel \(kernel.rawValue)\nspawn P1\nmmap P1 buf 4\nmremap P1 buf 0..3 to copy dontunmap\n"
    let scene = Parser.parse(source)
    let d = scene.diagnostics.first
    #expect(d?.id == .modernOnly)
    #expect(d?.location.line == 4 && d?.location.column == 28)
    #expect(d?.message.contains("kernel \(kernel.rawValue)") == true)
    var w = World(kernel: kernel)
    _ = try? w.apply(.spawn("P1"))
    _ = try? w.apply(.mmap(process: "P1", mapping: "buf", pages: 4, growsDown: false))
    let op = Operation.mremap(
      MRemapArgs(process: "P1", mapping: "buf", first: 0, last: 3, target: "c", dontUnmap: true))
    #expect(throws: SimError.self) { try w.apply(op) }
  }

  @Test("a range across two VMAs is refused (vma_to_resize: EFAULT)")
  func acrossVMAs() {
    let t = Timeline(
      scene: Parser.parse("spawn P1\nmmap P1 A 4\nmprotect P1 A 2..3 ro\nmremap P1 A 1..2 to B\n"), defaultTitle: "t")
    #expect(t.runtimeDiagnostics.first?.message.contains("not inside one VMA") == true)
  }

  @Test("C24 can fail: a page whose index does not match its VMA's vm_pgoff is reported")
  func invariantFails() throws {
    var w = try oneFaultedPage(pages: 2)
    let page = try #require(w.page(process: ProcessID(0), vpage: 0))
    w[page: page].index = 1
    w.checkInvariants(everything: true)
    #expect(w.violations.map(\.code) == ["C24"])
  }
}

@Suite("mremap: syntax and diagnostics")
struct MRemapSyntaxTests {
  func diagnostics(_ line: String) -> [Diagnostic] {
    Parser.parse("spawn P1\nmmap P1 A 4\nmmap P1 B 4\n" + line + "\n").diagnostics
  }

  @Test("every form parses back to the operation its label prints")
  func roundTrip() {
    for line in [
      "mremap P1 A 0..3 to M", "mremap P1 A 2 to M after B", "mremap P1 A 0..1 to M before B dontunmap",
      "mremap P1 A 1..2 to M dontunmap",
    ] {
      let scene = Parser.parse("kernel 6.x\nspawn P1\nmmap P1 A 4\nmmap P1 B 4\n" + line + "\n")
      #expect(scene.diagnostics.isEmpty, "\(line): \(scene.diagnostics)")
      guard case .operation(let op) = scene.statements.last?.statement else {
        Issue.record("\(line): no operation")
        continue
      }
      #expect(op.label == line)
    }
  }

  @Test(
    "bad forms name line and column",
    arguments: [
      ("mremap P1 A 0..3 M", DiagnosticID.expectedWord, 18),
      ("mremap P1 A 0..3 to", .missingArgument, 20),
      ("mremap P1 A 0..3 to M sideways", .mremapOption, 23),
      ("mremap P1 A 0..3 to M after B before B", .mremapOption, 31),
      ("mremap P1 A 0..3 to M dontunmap dontunmap", .mremapOption, 33),
      ("mremap P1 A 3..1 to M", .reversedRange, 13),
      ("mremap P1 A 0..9 to M", .pageOutOfRange, 13),
      ("mremap P1 A 0 to B", .duplicateMapping, 18),
      ("mremap P1 A 0 to M after Z", .unknownMapping, 26),
    ])
  func badForms(line: String, id: DiagnosticID, column: Int) {
    let d = diagnostics(line)
    #expect(d.first?.id == id, "\(line): \(d)")
    #expect(d.first?.location.line == 4, "\(line): \(d)")
    #expect(d.first?.location.column == column, "\(line): \(d)")
  }

  @Test("the rendered error has file:line:column and a caret under the word")
  func rendered() {
    let source = "spawn P1\nmmap P1 A 4\nmremap P1 A 0..3 to M sideways\n"
    let d = Parser.parse(source).diagnostics
    let text = DiagnosticRenderer(fileName: "x.scene", source: source).render(all: d)
    #expect(text.hasPrefix("x.scene:3:23: error: unexpected argument 'sideways'"), "\(text)")
    #expect(text.hasSuffix("mremap P1 A 0..3 to M sideways\n                      ^~~~~~~~"), "\(text)")
  }
}

/// The race explorer on mremap against a migration: 2.6.36's move_ptes takes no anon_vma lock.
@Suite("mremap vs migration: the race explorer")
struct MRemapRaceTests {
  static let scene =
    "cpus 2\nspawn P1\nmmap P1 heap 8\ntouch P1 heap 0..7\nmremap P1 heap 4..7 to out\n"
    + "on cpu1 begin migrate P1 out 1\non cpu0 begin mremap P1 out 0..3 to back after heap\n"

  func findings(_ kernel: KernelVersion) -> [String] {
    let prepared = RaceExplorer.prepare(
      scene: Parser.parse("kernel \(kernel.rawValue)\n" + Self.scene), title: "t", kernel: nil, variants: nil)
    guard case .success(let explorer) = prepared else { return ["<not prepared>"] }
    let report = explorer.explore()
    #expect(report.exhaustive)
    return report.findings.map(\.code)
  }

  @Test("2.6.36: a migration entry is left behind (the walk misses the moving PTE); 6.x holds the lock")
  func migrationRace() {
    #expect(findings(.v2_6_36) == ["C12"])
    #expect(findings(.v6).isEmpty)
  }
}

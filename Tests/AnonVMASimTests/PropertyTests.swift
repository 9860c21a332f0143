import AnonVMASim
import PropertyBased
import TestSupport
import Testing

/// Turns random numbers into valid operations on the current world (or nil to skip).
func randomOperation(_ seed: Int, in w: World) -> Operation? {
  var r = seed
  func pick(_ n: Int) -> Int {
    guard n > 0 else { return 0 }
    let v = r % n
    r /= max(n, 2)
    return v
  }
  let alive = w.processes.indices.filter { w.processes[$0].alive }
  let kind = pick(15)
  if alive.isEmpty || kind == 0 { return .spawn("P\(w.processes.count + 1)") }
  let p = alive[pick(alive.count)]
  let name = w.processes[p].name
  let maps = w.processes[p].mappings.filter { m in w.processes[p].vmas.contains { w.vmas[$0]?.mapping == m.name } }
  func page(_ m: Mapping) -> Int { pick(m.pages) }
  func mapped() -> PageRef? {
    let present = w.processes[p].ptes.keys.sorted().filter { v in
      if case .page = w.processes[p].ptes[v] { return true }
      return false
    }
    guard !present.isEmpty else { return nil }
    let v = present[pick(present.count)]
    guard let m = w.processes[p].mappings.last(where: { $0.base <= v && v < $0.base + $0.pages }) else { return nil }
    return PageRef(process: name, mapping: m.name, index: v - m.base)
  }
  switch kind {
  case 1:
    guard maps.count < 3 else { return nil }
    // Half of them right after an existing mapping (mmap_region's merge with its neighbours).
    if pick(2) == 0, let m = maps.randomElement(using: r),
      !w.processes[p].vmas.contains(where: { (w.vmas[$0]?.start ?? 0) == m.base + m.pages })
    {
      return .mmapAfter(process: name, mapping: "m\(w.nextMappingSuffix)", pages: 1 + pick(4), after: m.name)
    }
    return .mmap(process: name, mapping: "m\(w.nextMappingSuffix)", pages: 1 + pick(4), growsDown: pick(3) == 0)
  case 2, 3:
    guard let m = maps.randomElement(using: r) else { return nil }
    let a = page(m)
    return .touch(process: name, mapping: m.name, first: a, last: min(m.pages - 1, a + pick(2)))
  case 4:
    guard let m = maps.randomElement(using: r) else { return nil }
    return .read(process: name, mapping: m.name, first: page(m), last: page(m)).normalized
  case 5: return alive.count < 6 ? .fork(parent: name, child: "P\(w.processes.count + 1)") : nil
  case 6: return .exit(name)
  case 7:
    guard let m = maps.randomElement(using: r) else { return nil }
    let a = page(m)
    return .mprotect(
      process: name, mapping: m.name, first: a, last: min(m.pages - 1, a + pick(3)), prot: pick(2) == 0 ? .ro : .rw)
  case 8:
    guard let m = maps.randomElement(using: r) else { return nil }
    let a = page(m)
    return .munmap(process: name, mapping: m.name, first: a, last: min(m.pages - 1, a + pick(2)))
  case 9:
    guard let x = mapped() else { return nil }
    return pick(2) == 0 ? .rmap(x) : .migrate(x)
  case 10:
    guard let x = mapped() else { return nil }
    return .swapOut(x)
  case 11:
    guard let x = mapped(), let q = alive.randomElement(using: r), q != p else { return nil }
    let present = w.processes[q].ptes.keys.sorted().filter { v in
      if case .page = w.processes[q].ptes[v] { return true }
      return false
    }
    guard let v = present.first, let m = w.processes[q].mappings.last(where: { $0.base <= v && v < $0.base + $0.pages })
    else { return nil }
    return .ksmMerge(x, PageRef(process: w.processes[q].name, mapping: m.name, index: v - m.base))
  case 12: return .ksmdScan
  case 13:
    guard let m = maps.randomElement(using: r) else { return nil }
    let a = page(m)
    var args = MRemapArgs(
      process: name, mapping: m.name, first: a, last: min(m.pages - 1, a + pick(3)), target: "m\(w.nextMappingSuffix)")
    // 2.6.x moves to a fresh address only: next to an unfaulted neighbour its vma_merge() leaves
    // the moved pages' anon_vma off the merged VMA (MRemapTests shows it); 6.x refuses that merge.
    if w.kernel == .v6, let near = maps.randomElement(using: r / 3) {
      args.placement = [.fresh, .after(near.name), .before(near.name)][pick(3)]
      args.dontUnmap = pick(4) == 0
    }
    return .mremap(args)
  default:
    switch pick(4) {
    case 0: return .takeAllLocks(name)
    case 1: return .dropAllLocks(name)
    case 2:
      // sys_brk on a heap mapping, expand_stack on a growsdown one (the model refuses a growth
      // into the next or previous mapping).
      guard let m = maps.filter({ !$0.growsDown }).randomElement(using: r) else { return nil }
      return .brk(process: name, mapping: m.name, pages: 1 + pick(3))
    default:
      guard let m = maps.filter(\.growsDown).randomElement(using: r) else { return nil }
      return .growStack(process: name, mapping: m.name, pages: 1 + pick(3))
    }
  }
}

extension Array {
  func randomElement(using seed: Int) -> Element? { isEmpty ? nil : self[(seed / 7) % count] }
}

extension Operation {
  var normalized: Operation {
    if case .read(let p, let m, let a, let b) = self, a > b { return .read(process: p, mapping: m, first: b, last: a) }
    return self
  }
}

extension World {
  var nextMappingSuffix: Int { processes.reduce(0) { $0 + $1.mappings.count } + 1 }
}

/// Runs random operations; returns the violations and the script that produced them.
func runRandom(_ seeds: [Int], kernel: KernelVersion) -> (violations: [Violation], script: [String]) {
  var w = World(kernel: kernel)
  var script: [String] = []
  for (i, seed) in seeds.enumerated() {
    guard var op = randomOperation(seed, in: w) else { continue }
    if case .takeAllLocks = op {
      // Registering an mmu notifier drops the locks before the next operation.
      if let next = randomOperation(seed / 3, in: w), case .dropAllLocks = next { op = next }
    }
    w.step = i + 1
    w.freedThisStep = []
    do {
      _ = try w.apply(op)
    } catch {
      continue
    }
    script.append(op.label)
    if case .takeAllLocks(let p) = op {
      _ = try? w.apply(.dropAllLocks(p))
      script.append("drop-all-locks \(p)")
    }
    w.checkInvariants()
    if !w.violations.isEmpty { break }
  }
  return (w.violations, script)
}

@Suite("Random operation sequences keep every invariant")
struct PropertyTests {
  @Test(
    "no invariant violation on random sequences, in every model",
    arguments: [KernelVersion.v2_6_36, .v2_6_34, .v6, .mainline])
  func randomSequences(kernel: KernelVersion) async {
    var applied = 0
    await propertyCheck(count: 1000, input: Gen.int(in: 0...Int(Int32.max)).array(of: 1...60)) { seeds in
      let result = runRandom(seeds, kernel: kernel)
      applied += result.script.count
      #expect(result.violations.isEmpty, "\(result.violations)\n\(result.script.joined(separator: "\n"))")
    }
    #expect(applied > 8000, "applied \(applied)")
  }

  /// The generator must really exercise the model: every kind of operation it can draw, counted
  /// on fixed sequences (the property's are random: one CI run of 1,000 drew no grow-stack on
  /// 6.1, and the check failed by chance).
  @Test(
    "the random sequences' generator draws every kind of operation, on fixed sequences",
    arguments: [KernelVersion.v2_6_36, .v2_6_34, .v6, .mainline])
  func generatorCoverage(kernel: KernelVersion) {
    var random = SplitMix64(seed: 0x5EED)
    func next() -> UInt64 { random.next() }
    var kinds = Set<String>()
    for _ in 0..<500 {
      let seeds = (0..<(1 + Int(next() % 60))).map { _ in Int(next() % UInt64(Int32.max)) }
      let result = runRandom(seeds, kernel: kernel)
      #expect(result.violations.isEmpty, "\(result.violations)\n\(result.script.joined(separator: "\n"))")
      for line in result.script { kinds.insert(String(line.split(separator: " ")[0])) }
    }
    #expect(kinds.count >= 12, "\(kinds.sorted())")
    #expect(kinds.isSuperset(of: ["brk", "grow-stack"]), "\(kinds.sorted())")
  }

  @Test("the checker can fail: a corrupted refcount is reported as C9")
  func checkerFails() throws {
    var w = try oneFaultedPage(pages: 1)
    w[anonVMA: 1].refcount = 3
    w.checkInvariants()
    #expect(w.violations.map(\.code) == ["C9"])
  }
}

@Suite("The incremental invariant check sees what the full check sees")
struct IncrementalCheckTests {
  @Test(
    "after every step of random sequences, the scoped check reports what a full check reports",
    arguments: KernelVersion.allCases)
  func sameAsFull(kernel: KernelVersion) async {
    await propertyCheck(count: 300, input: Gen.int(in: 0...Int(Int32.max)).array(of: 1...50)) { seeds in
      var w = World(kernel: kernel)
      for (i, seed) in seeds.enumerated() {
        guard let op = randomOperation(seed, in: w) else { continue }
        if case .takeAllLocks = op { continue }
        w.step = i + 1
        w.freedThisStep = []
        guard (try? w.apply(op)) != nil else { continue }
        w.checkInvariants()
        let full = Set(w.invariantViolations().map { "\($0.code) \($0.message)" })
        let reported = Set(w.violations.map { "\($0.code) \($0.message)" })
        #expect(full.isSubset(of: reported), "missed: \(full.subtracting(reported))")
      }
    }
  }

  @Test("a corruption the scoped check cannot see is still caught by the full check")
  func fullCheckCatches() throws {
    var w = World(kernel: .v2_6_36)
    _ = try w.apply(.spawn("P1"))
    _ = try w.apply(.mmap(process: "P1", mapping: "A", pages: 1, growsDown: false))
    _ = try w.apply(.touch(process: "P1", mapping: "A", first: 0, last: 0))
    w.checkInvariants()
    w[anonVMA: 1].refcount = 7
    #expect(w.invariantViolations().map(\.code) == ["C9"])
  }
}

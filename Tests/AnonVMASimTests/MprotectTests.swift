import AnonVMASim
import TestSupport
import Testing

/// What the VMAs of each live process must cover, page by page: mmap maps pages read-write,
/// mprotect sets the protection of exactly the pages in its range, munmap unmaps, fork copies,
/// exit drops the process. How the kernel splits and merges VMAs does not show here.
struct ProtectionOracle {
  struct Region {
    var name: String
    var base: Int
    var pages: Int
  }

  /// Live processes by name: virtual page to protection, and the mappings they were given.
  var pages: [String: [Int: Prot]] = [:]
  var regions: [String: [Region]] = [:]
  /// Names handed out so far (processes and mappings are never renamed or reused).
  var processesMade = 0
  var mappingsMade = 0

  var alive: [String] { pages.keys.sorted() }

  /// The mapped pages of `region` from `first` on, while `include` holds, at most `count` of them.
  func run(_ process: String, _ region: Region, from first: Int, count: Int, where include: (Prot) -> Bool)
    -> ClosedRange<Int>?
  {
    var last = first - 1
    while last + 1 < region.pages, last + 1 - first < count,
      let prot = pages[process]?[region.base + last + 1], include(prot)
    {
      last += 1
    }
    return last >= first ? first...last : nil
  }

  /// Decodes one random number into an operation that is valid in the oracle's state (or nil).
  mutating func operation(_ seed: UInt64) -> Operation? {
    var r = seed
    func pick(_ n: Int) -> Int {
      let v = Int(r % UInt64(n))
      r /= UInt64(n)
      return v
    }
    let alive = self.alive
    let kind = pick(16)
    if alive.isEmpty || (kind == 0 && alive.count < 4) {
      processesMade += 1
      return .spawn("P\(processesMade - 1)")
    }
    let p = alive[pick(alive.count)]
    let maps = regions[p] ?? []
    let region = maps.isEmpty ? nil : maps[pick(maps.count)]
    switch kind {
    case 1, 2:
      guard maps.count < 3 else { return nil }
      mappingsMade += 1
      return .mmap(process: p, mapping: "m\(mappingsMade)", pages: 1 + pick(6), growsDown: false)
    case 3...9:
      guard let region, let range = run(p, region, from: pick(region.pages), count: 1 + pick(3), where: { _ in true })
      else { return nil }
      return .mprotect(
        process: p, mapping: region.name, first: range.lowerBound, last: range.upperBound,
        prot: pick(2) == 0 ? .ro : .rw)
    case 10:
      guard let region else { return nil }
      let a = pick(region.pages)
      return .munmap(process: p, mapping: region.name, first: a, last: min(region.pages - 1, a + pick(3)))
    case 11:
      guard alive.count < 5 else { return nil }
      processesMade += 1
      return .fork(parent: p, child: "P\(processesMade - 1)")
    case 12, 13:
      guard let region, let range = run(p, region, from: pick(region.pages), count: 1 + pick(3), where: { $0 == .rw })
      else { return nil }
      return .touch(process: p, mapping: region.name, first: range.lowerBound, last: range.upperBound)
    default:
      return alive.count > 1 ? .exit(p) : nil
    }
  }

  /// Applies an operation the model has run (the model allocates the addresses).
  mutating func apply(_ op: Operation, in w: World) {
    switch op {
    case .spawn(let p):
      pages[p] = [:]
      regions[p] = []
    case .mmap(let p, let m, let n, _):
      guard let pi = w.processIndex(named: p), let mapping = w[process: pi].mappings.last(where: { $0.name == m })
      else { return }
      regions[p, default: []].append(Region(name: m, base: mapping.base, pages: n))
      for v in mapping.base..<mapping.base + n { pages[p, default: [:]][v] = .rw }
    case .mprotect(let p, let m, let a, let b, let prot):
      guard let region = regions[p]?.first(where: { $0.name == m }) else { return }
      for v in region.base + a...region.base + b { pages[p]?[v] = prot }
    case .munmap(let p, let m, let a, let b):
      guard let region = regions[p]?.first(where: { $0.name == m }) else { return }
      for v in region.base + (a ?? 0)...region.base + (b ?? region.pages - 1) { pages[p]?[v] = nil }
    case .fork(let parent, let child):
      pages[child] = pages[parent]
      // A scene's mapping name is inherited only while some VMA of it is left.
      regions[child] = regions[parent]?.filter { r in (r.base..<r.base + r.pages).contains { pages[parent]?[$0] != nil }
      }
    case .exit(let p):
      pages[p] = nil
      regions[p] = nil
    default:
      break
    }
  }

  /// The first difference between the model's VMAs and the oracle, or nil.
  func mismatch(in w: World) -> String? {
    let modelAlive = w.processes.indices.filter { w.processes[$0].alive }.map { w.processes[$0].name }.sorted()
    if modelAlive != alive { return "live processes: model \(modelAlive), oracle \(alive)" }
    for name in alive {
      guard let p = w.processIndex(named: name) else { return "\(name) is missing" }
      var covered: [Int: Prot] = [:]
      var previousEnd = Int.min
      for id in w[process: p].vmas {
        guard let v = w.vmas[id] else { return "\(name) lists VMA \(id), which does not exist" }
        guard v.start < v.end else { return "\(name): VMA \(id) is empty [\(v.start), \(v.end))" }
        guard v.start >= previousEnd else {
          return
            "\(name): VMA \(id) [\(v.start), \(v.end)) overlaps or precedes the VMA before it (which ends at \(previousEnd))"
        }
        guard v.process == p, !v.detached else {
          return "\(name): VMA \(id) belongs to process \(v.process), detached \(v.detached)"
        }
        guard let region = regions[name]?.first(where: { $0.name == v.mapping }), region.base == v.base,
          v.start >= region.base, v.end <= region.base + region.pages
        else {
          return "\(name): VMA \(id) [\(v.start), \(v.end)) lies outside its mapping \(v.mapping) (base \(v.base))"
        }
        previousEnd = v.end
        for page in v.start..<v.end { covered[page] = v.prot }
      }
      let expected = pages[name] ?? [:]
      if covered != expected {
        let differing = Set(covered.keys).union(expected.keys).filter { covered[$0] != expected[$0] }.sorted()
        let shown = differing.prefix(6).map { v -> String in
          let region = regions[name]?.first { $0.base <= v && v < $0.base + $0.pages }
          let page = region.map { "\($0.name) \(v - $0.base)" } ?? "vpage \(v)"
          return "\(page): VMA \(covered[v]?.rawValue ?? "unmapped"), expected \(expected[v]?.rawValue ?? "unmapped")"
        }
        return "\(name): " + shown.joined(separator: "; ")
      }
    }
    return nil
  }
}

/// Runs the operations the seeds decode to on a model and on the oracle, comparing after every
/// step; returns the script run, the first mismatch (or model error) and how many mprotects
/// merged (ran vma_adjust, vma_set_range in mainline, without splitting).
func runAgainstOracle(_ seeds: [UInt64], kernel: KernelVersion) -> (script: [String], failure: String?, merges: Int) {
  var w = World(kernel: kernel)
  var oracle = ProtectionOracle()
  var script: [String] = []
  var merges = 0
  for (i, seed) in seeds.enumerated() {
    guard let op = oracle.operation(seed) else { continue }
    script.append(op.label)
    w.step = i + 1
    w.freedThisStep = []
    do {
      let functions = try w.apply(op).map(\.function)
      if case .mprotect = op, functions.contains("vma_adjust") || functions.contains("vma_set_range"),
        !functions.contains("__split_vma")
      {
        merges += 1
      }
    } catch {
      return (script, "the model rejects '\(op.label)': \(error.message)", merges)
    }
    oracle.apply(op, in: w)
    if let m = oracle.mismatch(in: w) { return (script, "after '\(op.label)': \(m)", merges) }
  }
  return (script, nil, merges)
}

/// Removes operations (seeds) from a failing sequence while it still fails.
func shrinkFailing(_ seeds: [UInt64], kernel: KernelVersion) -> [UInt64] {
  var current = seeds
  var chunk = max(1, current.count / 2)
  while chunk >= 1 {
    var i = 0
    var removed = false
    while i < current.count {
      var candidate = current
      candidate.removeSubrange(i..<min(current.count, i + chunk))
      if runAgainstOracle(candidate, kernel: kernel).failure != nil {
        current = candidate
        removed = true
      } else {
        i += chunk
      }
    }
    if !removed { chunk /= 2 }
  }
  return current
}

@Suite("mprotect sets the protection of exactly its range")
struct MprotectTests {
  /// P0 maps `pages` pages as A and runs the mprotects on them; returns the world and the
  /// protection of each page of A from the VMAs (nil: unmapped).
  func mprotected(_ kernel: KernelVersion, pages: Int, _ changes: [(ClosedRange<Int>, Prot)]) throws -> (World, [Prot?])
  {
    var w = World(kernel: kernel)
    let ops: [Operation] =
      [.spawn("P0"), .mmap(process: "P0", mapping: "A", pages: pages, growsDown: false)]
      + changes.map {
        .mprotect(process: "P0", mapping: "A", first: $0.0.lowerBound, last: $0.0.upperBound, prot: $0.1)
      }
    for (i, op) in ops.enumerated() {
      w.step = i + 1
      _ = try w.apply(op)
    }
    let p = try #require(w.processIndex(named: "P0"))
    let base = try #require(w[process: p].mappings.first { $0.name == "A" }).base
    let prots = (0..<pages).map { i in
      w[process: p].vmas.compactMap { w.vmas[$0] }.first { $0.start <= base + i && base + i < $0.end }?.prot
    }
    return (w, prots)
  }

  @Test(
    "ro then rw on the first two of three pages leaves every page rw and writable (merge with next)",
    arguments: KernelVersion.allCases)
  func backToReadWrite(kernel: KernelVersion) throws {
    var (w, prots) = try mprotected(kernel, pages: 3, [(0...1, .ro), (0...1, .rw)])
    #expect(prots == [.rw, .rw, .rw])
    #expect(throws: Never.self) { _ = try w.apply(.touch(process: "P0", mapping: "A", first: 2, last: 2)) }
  }

  @Test(
    "ro on the last page, then ro on all four, leaves every page ro (merge with next)",
    arguments: KernelVersion.allCases)
  func allReadOnly(kernel: KernelVersion) throws {
    let (_, prots) = try mprotected(kernel, pages: 4, [(3...3, .ro), (0...3, .ro)])
    #expect(prots == [.ro, .ro, .ro, .ro])
  }

  @Test(
    "random mmap/mprotect/munmap/fork/touch/exit: after every step each process's VMAs cover exactly its pages with their protection",
    arguments: KernelVersion.allCases)
  func againstOracle(kernel: KernelVersion) {
    // Deterministic, so a failure reproduces.
    var random = SplitMix64(
      seed: 0x9E37_79B9_7F4A_7C15 &* UInt64(KernelVersion.allCases.firstIndex(of: kernel)! + 1))
    func next() -> UInt64 { random.next() }
    var operations = 0
    var mprotects = 0
    var merges = 0
    for _ in 0..<200 {
      // Up to 17 numbers; some decode to nothing, so sequences of up to about 12 operations.
      let seeds = (0..<(6 + Int(next() % 12))).map { _ in next() }
      let result = runAgainstOracle(seeds, kernel: kernel)
      operations += result.script.count
      mprotects += result.script.filter { $0.hasPrefix("mprotect") }.count
      merges += result.merges
      if let failure = result.failure {
        let small = runAgainstOracle(shrinkFailing(seeds, kernel: kernel), kernel: kernel)
        let script = small.script.joined(separator: "\n")
        Issue.record(
          "\(small.failure ?? failure)\nscript (shrunk from \(result.script.count) operations):\n\(script)")
        return
      }
    }
    // The generator must really exercise mprotect, and its merges.
    #expect(
      operations > 1000 && mprotects > 250 && merges > 30,
      "\(operations) operations, \(mprotects) mprotects, \(merges) merges")
  }
}

import AnonVMASim
import SceneScript

/// One command line for the executor (`Sources/anonvis-conform-exec/main.c` lists the protocol).
/// A process is named by its model id (``ProcessID/raw``).
public enum ExecutorCommand: Sendable, Hashable {
  case spawn(Int)
  case fork(parent: Int, child: Int)
  /// `mergeable`: MADV_MERGEABLE on the whole mapping (scenes with KSM steps).
  case mmap(Int, page: Int, pages: Int, growsDown: Bool, mergeable: Bool)
  case write(Int, page: Int, pages: Int)
  case read(Int, page: Int, pages: Int)
  case munmap(Int, page: Int, pages: Int)
  case mprotect(Int, page: Int, pages: Int, writable: Bool)
  /// mremap(MREMAP_MAYMOVE|MREMAP_FIXED[|MREMAP_DONTUNMAP]) of `pages` pages to page `to`.
  case mremap(Int, page: Int, pages: Int, to: Int, dontUnmap: Bool)
  case exit(Int)
  /// Writes `value` at the start of the page (the page must be mapped writable: no fault).
  case poke(Int, page: Int, value: UInt64)
  /// ksmd runs until it has scanned every mergeable page three times.
  case ksmScan

  /// The protocol line, without its newline.
  public var line: String {
    func at(_ v: Int) -> String { "0x" + String(ExecutorLayout.address(ofPage: v), radix: 16) }
    switch self {
    case .spawn(let p): return "spawn \(p)"
    case .fork(let p, let c): return "\(p) fork \(c)"
    case .mmap(let p, let v, let n, let g, let m): return "\(p) mmap \(at(v)) \(n) \((g ? 1 : 0) + (m ? 2 : 0))"
    case .write(let p, let v, let n): return "\(p) write \(at(v)) \(n)"
    case .read(let p, let v, let n): return "\(p) read \(at(v)) \(n)"
    case .munmap(let p, let v, let n): return "\(p) munmap \(at(v)) \(n)"
    case .mprotect(let p, let v, let n, let w): return "\(p) mprotect \(at(v)) \(n) \(w ? "rw" : "ro")"
    case .mremap(let p, let v, let n, let to, let d): return "\(p) mremap \(at(v)) \(n) \(at(to)) \(d ? 1 : 0)"
    case .exit(let p): return "\(p) exit"
    case .poke(let p, let v, let value): return "\(p) poke \(at(v)) 0x\(String(value, radix: 16))"
    case .ksmScan: return "ksm-scan"
    }
  }

  /// Whether the executor answers with a pid.
  public var answersPID: Bool {
    switch self {
    case .spawn, .fork: return true
    default: return false
    }
  }
}

/// What the machine offers beyond the basics (for the operations that need more).
public struct Machine: Sendable, Hashable {
  public var numaNodes: Int
  public var hasSwap: Bool
  public init(numaNodes: Int, hasSwap: Bool) {
    self.numaNodes = numaNodes
    self.hasSwap = hasSwap
  }
}

/// How a scene's statements map onto system calls.
public enum ConformPlan {
  /// Why a statement has no real counterpart here, or nil when it has one (or is not a step).
  public static func unsupported(_ statement: Statement, on machine: Machine) -> String? {
    switch statement {
    case .on:
      return "steps on several CPUs have no counterpart here (the executor runs every process on one CPU)"
    case .operation(let op):
      switch op {
      case .spawn, .mmap, .mmapAfter, .touch, .read, .fork, .exit, .munmap, .mprotect, .mremap, .rmap: return nil
      case .ksmMerge, .ksmUnmerge, .ksmdScan: return nil
      case .swapOut:
        return machine.hasSwap
          ? "swap-out is not driven by the executor yet" : "swap-out needs swap, and this machine has none"
      case .migrate:
        return machine.numaNodes > 1
          ? "migrate is not driven by the executor yet"
          : "migrate needs two NUMA nodes, and this machine has one"
      case .takeAllLocks, .dropAllLocks:
        return "mm_take_all_locks has no system call of its own (an mmu notifier registers in the kernel)"
      case .brk:
        return "brk is not driven by the executor (the real brk() grows only the process's own heap)"
      case .growStack:
        return "grow-stack is not driven by the executor (a real stack fault below the mapping is not issued)"
      }
    default:
      return nil
    }
  }

  /// The executor commands of one operation, from the model's worlds before and after it. An
  /// `rmap` walk changes nothing a process can see: no command. Accesses are limited to the
  /// process's VMAs (the model ignores a page it does not map; a real access would fault).
  public static func commands(for op: Operation, before: World, after: World) -> [ExecutorCommand] {
    var content = KSMContent(enabled: false)
    return (try? commands(for: op, before: before, after: after, ksm: &content)) ?? []
  }

  /// The commands of one operation in a scene whose KSM steps share `ksm`. A `ksm-merge` gives
  /// both pages the same content (a value no write uses) and runs ksmd; it needs both places
  /// mapped writable in the model (a write to a write-protected page would be a COW fault), or
  /// the first one a KSM page already (its value is known). `ksm-unmerge` is a write: a write
  /// fault on a KSM page copies it (`do_wp_page()` never reuses a KSM page, mm/memory.c).
  public static func commands(
    for op: Operation, before: World, after: World, ksm: inout KSMContent
  ) throws(KSMContent.Unsupported) -> [ExecutorCommand] {
    func id(_ name: String, _ w: World) -> Int? { w.processIndex(named: name)?.raw }
    func mapping(_ p: String, _ m: String, _ w: World) -> Mapping? {
      guard let i = w.processIndex(named: p) else { return nil }
      return w[process: i].mappings.first { $0.name == m }
    }
    switch op {
    case .spawn(let p):
      return id(p, after).map { [.spawn($0)] } ?? []
    case .fork(let p, let c):
      guard let pi = id(p, before), let ci = id(c, after) else { return [] }
      return [.fork(parent: pi, child: ci)]
    case .exit(let p):
      return id(p, before).map { [.exit($0)] } ?? []
    case .mmap(let p, let m, let n, let g):
      guard let pi = id(p, after), let map = mapping(p, m, after) else { return [] }
      return [.mmap(pi, page: map.base, pages: n, growsDown: g, mergeable: ksm.enabled)]
    case .mmapAfter(let p, let m, let n, _):
      guard let pi = id(p, after), let map = mapping(p, m, after) else { return [] }
      return [.mmap(pi, page: map.base, pages: n, growsDown: false, mergeable: ksm.enabled)]
    case .touch(let p, let m, let a, let b), .read(let p, let m, let a, let b):
      guard let pi = id(p, before), let map = mapping(p, m, before) else { return [] }
      let isWrite: Bool
      if case .touch = op { isWrite = true } else { isWrite = false }
      return mappedRuns(pi, from: map.base + a, through: map.base + b, in: before).map {
        isWrite ? .write(pi, page: $0.lowerBound, pages: $0.count) : .read(pi, page: $0.lowerBound, pages: $0.count)
      }
    case .munmap(let p, let m, let a, let b):
      guard let pi = id(p, before), let map = mapping(p, m, before) else { return [] }
      let first = map.base + (a ?? 0)
      let last = map.base + (b ?? map.pages - 1)
      return [.munmap(pi, page: first, pages: last - first + 1)]
    case .mprotect(let p, let m, let a, let b, let prot):
      guard let pi = id(p, before), let map = mapping(p, m, before) else { return [] }
      return [.mprotect(pi, page: map.base + a, pages: b - a + 1, writable: prot == .rw)]
    case .mremap(let m):
      guard let pi = id(m.process, before), let from = mapping(m.process, m.mapping, before),
        let to = mapping(m.process, m.target, after)
      else { return [] }
      return [.mremap(pi, page: from.base + m.first, pages: m.pages, to: to.base, dontUnmap: m.dontUnmap)]
    case .ksmMerge(let a, let b):
      return try ksm.merge(a, b, before: before, after: after)
    case .ksmUnmerge(let a):
      guard let pi = id(a.process, before), let map = mapping(a.process, a.mapping, before) else { return [] }
      return [.write(pi, page: map.base + a.index, pages: 1)]
    case .ksmdScan:
      // ksmd sleeps while no mm is registered with KSM (ksmd_should_run(), mm/ksm.c): without a
      // live process with a (mergeable) VMA there is nothing to scan and no scan would end.
      let registered = before.processIDs.contains { before[process: $0].alive && !before[process: $0].vmas.isEmpty }
      return registered ? [.ksmScan] : []
    case .rmap, .swapOut, .migrate, .takeAllLocks, .dropAllLocks, .brk, .growStack:
      return []
    }
  }

  /// The parts of `first...last` inside the process's VMAs, one run per VMA.
  static func mappedRuns(_ p: Int, from first: Int, through last: Int, in world: World) -> [Range<Int>] {
    world[process: ProcessID(p)].vmas.compactMap { vid -> Range<Int>? in
      guard let vma = world.vmas[vid], !vma.detached else { return nil }
      let lo = max(vma.start, first)
      let hi = min(vma.end, last + 1)
      return lo < hi ? lo..<hi : nil
    }
  }
}

/// The contents that make ksmd merge exactly the pages a scene merges: one value per KSM page
/// (stable node), written into each page merged into it; every other write is unique.
public struct KSMContent: Sendable {
  /// Whether the scene has KSM steps (its mappings are made MADV_MERGEABLE).
  public var enabled: Bool
  var next: UInt64 = 0x4B53_4D00_0000_0001
  var byNode: [StableNodeID: UInt64] = [:]

  public init(enabled: Bool) { self.enabled = enabled }

  /// A `ksm-merge` the executor cannot reproduce without changing what the model predicts.
  public struct Unsupported: Error, Sendable {
    public var reason: String
  }

  mutating func merge(_ a: PageRef, _ b: PageRef, before: World, after: World) throws(Unsupported)
    -> [ExecutorCommand]
  {
    guard let (pa, va, pteA) = Self.place(a, before), let (pb, vb, pteB) = Self.place(b, before) else { return [] }
    var commands: [ExecutorCommand] = []
    let value: UInt64
    if case .page(let page, _) = pteA, case .ksm(let node) = before[page: page].mapping, let known = byNode[node] {
      value = known
    } else if case .page(_, writable: true) = pteA {
      value = next
      next += 1
      commands.append(.poke(pa, page: va, value: value))
    } else {
      throw Unsupported(reason: "\(a) is mapped write-protected: giving it KSM content would be a COW fault")
    }
    guard case .page(_, writable: true) = pteB else {
      throw Unsupported(reason: "\(b) is mapped write-protected: giving it KSM content would be a COW fault")
    }
    commands += [.poke(pb, page: vb, value: value), .ksmScan]
    if let (_, _, pte) = Self.place(a, after), case .page(let page, _) = pte,
      case .ksm(let node) = after[page: page].mapping
    {
      byNode[node] = value
    }
    return commands
  }

  /// The process id, page and entry of a place.
  static func place(_ r: PageRef, _ w: World) -> (Int, Int, PTE)? {
    guard let p = w.processIndex(named: r.process),
      let m = w[process: p].mappings.first(where: { $0.name == r.mapping }),
      let pte = w[process: p].ptes[m.base + r.index]
    else { return nil }
    return (p.raw, m.base + r.index, pte)
  }
}

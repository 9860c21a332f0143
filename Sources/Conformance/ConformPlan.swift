import AnonVMASim
import SceneScript

/// One command line for the executor (`Sources/anonvis-conform-exec/main.c` lists the protocol).
/// A process is named by its model id (``ProcessID/raw``).
public enum ExecutorCommand: Sendable, Hashable {
  case spawn(Int)
  case fork(parent: Int, child: Int)
  case mmap(Int, page: Int, pages: Int, growsDown: Bool)
  case write(Int, page: Int, pages: Int)
  case read(Int, page: Int, pages: Int)
  case munmap(Int, page: Int, pages: Int)
  case mprotect(Int, page: Int, pages: Int, writable: Bool)
  case exit(Int)

  /// The protocol line, without its newline.
  public var line: String {
    func at(_ v: Int) -> String { "0x" + String(ExecutorLayout.address(ofPage: v), radix: 16) }
    switch self {
    case .spawn(let p): return "spawn \(p)"
    case .fork(let p, let c): return "\(p) fork \(c)"
    case .mmap(let p, let v, let n, let g): return "\(p) mmap \(at(v)) \(n) \(g ? 1 : 0)"
    case .write(let p, let v, let n): return "\(p) write \(at(v)) \(n)"
    case .read(let p, let v, let n): return "\(p) read \(at(v)) \(n)"
    case .munmap(let p, let v, let n): return "\(p) munmap \(at(v)) \(n)"
    case .mprotect(let p, let v, let n, let w): return "\(p) mprotect \(at(v)) \(n) \(w ? "rw" : "ro")"
    case .exit(let p): return "\(p) exit"
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
      case .spawn, .mmap, .touch, .read, .fork, .exit, .munmap, .mprotect, .rmap: return nil
      case .ksmMerge, .ksmUnmerge, .ksmdScan: return "KSM steps are not driven by the executor yet"
      case .swapOut:
        return machine.hasSwap
          ? "swap-out is not driven by the executor yet" : "swap-out needs swap, and this machine has none"
      case .migrate:
        return machine.numaNodes > 1
          ? "migrate is not driven by the executor yet"
          : "migrate needs two NUMA nodes, and this machine has one"
      case .takeAllLocks, .dropAllLocks:
        return "mm_take_all_locks has no system call of its own (an mmu notifier registers in the kernel)"
      }
    default:
      return nil
    }
  }

  /// The executor commands of one operation, from the model's worlds before and after it. An
  /// `rmap` walk changes nothing a process can see: no command. Accesses are limited to the
  /// process's VMAs (the model ignores a page it does not map; a real access would fault).
  public static func commands(for op: Operation, before: World, after: World) -> [ExecutorCommand] {
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
      return [.mmap(pi, page: map.base, pages: n, growsDown: g)]
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
    case .rmap, .ksmMerge, .ksmUnmerge, .ksmdScan, .swapOut, .migrate, .takeAllLocks, .dropAllLocks:
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

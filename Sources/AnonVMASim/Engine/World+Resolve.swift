/// A page an operation names, resolved: the reference as written, the process, the virtual page
/// and the page mapped there.
struct MappedPage {
  var ref: PageRef
  var process: ProcessID
  var vpage: Int
  var page: PageID
}

/// An ``Operation`` whose names are resolved against the world: processes as indices, mappings
/// as ``Mapping``s, pages as ``MappedPage``s. Names the operation creates (a spawned process, a
/// fork's child, an mmap's mapping) stay names.
enum ResolvedOperation {
  case spawn(String)
  case mmap(process: ProcessID, mapping: String, pages: Int, growsDown: Bool)
  case mmapAfter(process: ProcessID, mapping: String, pages: Int, after: Mapping)
  case touch(process: ProcessID, mapping: Mapping, first: Int, last: Int)
  case read(process: ProcessID, mapping: Mapping, first: Int, last: Int)
  case fork(parent: ProcessID, child: String)
  case exit(ProcessID)
  case munmap(process: ProcessID, mapping: Mapping, first: Int?, last: Int?)
  case mprotect(process: ProcessID, mapping: Mapping, first: Int, last: Int, prot: Prot)
  case mremap(process: ProcessID, mapping: Mapping, args: MRemapArgs, neighbour: Mapping?)
  case ksmMerge(MappedPage, MappedPage)
  case ksmUnmerge(PageRef, process: ProcessID, vpage: Int)
  case ksmdScan
  case swapOut(MappedPage)
  case migrate(MappedPage)
  case rmap(MappedPage)
  case takeAllLocks(ProcessID)
  case dropAllLocks(ProcessID)
  case brk(process: ProcessID, mapping: Mapping, pages: Int)
  case growStack(process: ProcessID, mapping: Mapping, pages: Int)
}

/// When an operation's names are resolved. At `begin` a name that does not resolve is a scene
/// error, reported precisely, and page ranges are checked; at the operation's first micro-step
/// (when `expand` runs) other CPUs may have changed the world since `begin`.
enum ResolveTime {
  case begin
  case firstStep
}

extension World {
  /// Resolves every name an operation uses, by one rule: a process is the last one of that name
  /// and must be alive; a mapping is the process's last mapping of that name; a page must lie
  /// inside its mapping.
  func resolve(_ op: Operation, at time: ResolveTime) throws(SimError) -> ResolvedOperation {
    switch op {
    case .spawn(let name):
      return .spawn(name)
    case .mmap(let p, let m, let n, let g):
      return .mmap(process: try process(named: p, at: time), mapping: m, pages: n, growsDown: g)
    case .mmapAfter(let p, let m, let n, let a):
      let (pi, after) = try mapping(a, of: p, pages: 0, 0, at: time)
      return .mmapAfter(process: pi, mapping: m, pages: n, after: after)
    case .touch(let p, let m, let a, let b):
      let (pi, mapping) = try mapping(m, of: p, pages: a, b, at: time)
      return .touch(process: pi, mapping: mapping, first: a, last: b)
    case .read(let p, let m, let a, let b):
      let (pi, mapping) = try mapping(m, of: p, pages: a, b, at: time)
      return .read(process: pi, mapping: mapping, first: a, last: b)
    case .fork(let parent, let child):
      return .fork(parent: try process(named: parent, at: time), child: child)
    case .exit(let p):
      return .exit(try process(named: p, at: time))
    case .munmap(let p, let m, let a, let b):
      let (pi, mapping) = try mapping(m, of: p, pages: a, b, at: time)
      return .munmap(process: pi, mapping: mapping, first: a, last: b)
    case .mprotect(let p, let m, let a, let b, let prot):
      let (pi, mapping) = try mapping(m, of: p, pages: a, b, at: time)
      return .mprotect(process: pi, mapping: mapping, first: a, last: b, prot: prot)
    case .mremap(let m):
      let (pi, mapping) = try mapping(m.mapping, of: m.process, pages: m.first, m.last, at: time)
      var neighbour: Mapping?
      switch m.placement {
      case .fresh: break
      case .after(let n), .before(let n): neighbour = try self.mapping(n, of: m.process, pages: nil, nil, at: time).1
      }
      return .mremap(process: pi, mapping: mapping, args: m, neighbour: neighbour)
    case .ksmMerge(let a, let b):
      return .ksmMerge(try mappedPage(a), try mappedPage(b))
    case .ksmUnmerge(let a):
      let (p, v) = try resolve(a)
      return .ksmUnmerge(a, process: p, vpage: v)
    case .ksmdScan:
      return .ksmdScan
    case .swapOut(let a):
      return .swapOut(try mappedPage(a))
    case .migrate(let a):
      return .migrate(try mappedPage(a))
    case .rmap(let a):
      return .rmap(try mappedPage(a))
    case .takeAllLocks(let p):
      return .takeAllLocks(try process(named: p, at: time))
    case .dropAllLocks(let p):
      return .dropAllLocks(try process(named: p, at: time))
    case .brk(let p, let m, let n):
      let (pi, mapping) = try mapping(m, of: p, pages: nil, nil, at: time)
      return .brk(process: pi, mapping: mapping, pages: n)
    case .growStack(let p, let m, let n):
      let (pi, mapping) = try mapping(m, of: p, pages: nil, nil, at: time)
      return .growStack(process: pi, mapping: mapping, pages: n)
    }
  }

  /// A live process by name.
  private func process(named name: String, at time: ResolveTime) throws(SimError) -> ProcessID {
    let p = processIndex(named: name)
    switch time {
    case .begin:
      guard let p else { throw SimError("unknown process '\(name)'") }
      guard self[process: p].alive else { throw SimError("process '\(name)' has exited") }
      return p
    case .firstStep:
      guard let p, self[process: p].alive else { throw SimError("unknown or exited process '\(name)'") }
      return p
    }
  }

  /// A live process's mapping by name; at `begin`, pages `first` and `last` must lie inside it
  /// (they were checked then, so the first step does not check them again).
  private func mapping(
    _ name: String, of process: String, pages first: Int?, _ last: Int?, at time: ResolveTime
  ) throws(SimError) -> (ProcessID, Mapping) {
    let p = try self.process(named: process, at: time)
    guard let m = mapping(process: p, named: name) else {
      throw SimError("process '\(self[process: p].name)' has no mapping '\(name)'")
    }
    if time == .begin {
      for i in [first, last].compactMap({ $0 }) where i < 0 || i >= m.pages {
        throw SimError("page \(i) is out of range: mapping '\(name)' has \(m.pages) pages")
      }
      if let first, let last, first > last { throw SimError("empty page range \(first)..\(last)") }
    }
    return (p, m)
  }

  /// Resolves a page reference to `(process, vpage)`.
  public func resolve(_ ref: PageRef) throws(SimError) -> (process: ProcessID, vpage: Int) {
    guard let p = processIndex(named: ref.process) else {
      throw SimError("unknown process '\(ref.process)'")
    }
    guard self[process: p].alive else { throw SimError("process '\(ref.process)' has exited") }
    guard let m = mapping(process: p, named: ref.mapping) else {
      throw SimError("process '\(ref.process)' has no mapping '\(ref.mapping)'")
    }
    guard ref.index >= 0, ref.index < m.pages else {
      throw SimError(
        "page \(ref.index) is out of range: mapping '\(ref.mapping)' has \(m.pages) pages")
    }
    return (p, m.base + ref.index)
  }

  /// The anonymous (or KSM) page mapped at a page reference.
  func mappedPage(_ ref: PageRef) throws(SimError) -> MappedPage {
    let (p, v) = try resolve(ref)
    switch self[process: p].ptes[v] {
    case .page(let page, _): return MappedPage(ref: ref, process: p, vpage: v, page: page)
    case .zero: throw SimError("\(ref) maps the shared zero page, not an anonymous page")
    case .swap: throw SimError("\(ref) is swapped out")
    case .migration: throw SimError("\(ref) is under migration")
    case nil: throw SimError("nothing is mapped at \(ref)")
    }
  }

  /// Resolves an operation's names and checks it can begin, so errors show before any
  /// micro-step runs.
  func validate(_ op: Operation) throws(SimError) -> ResolvedOperation {
    let resolved = try resolve(op, at: .begin)
    switch resolved {
    case .spawn(let name), .fork(_, let name):
      if processIndex(named: name) != nil { throw SimError("process '\(name)' already exists") }
    case .mmap(let pi, let m, let n, _):
      if self[process: pi].vmas.contains(where: { vmas[$0]?.mapping == m }) {
        throw SimError("process '\(self[process: pi].name)' already has a mapping '\(m)'")
      }
      if n < 1 { throw SimError("a mapping needs at least one page") }
    case .mmapAfter(let pi, let m, let n, let after):
      if self[process: pi].vmas.contains(where: { vmas[$0]?.mapping == m }) {
        throw SimError("process '\(self[process: pi].name)' already has a mapping '\(m)'")
      }
      if n < 1 { throw SimError("a mapping needs at least one page") }
      let base = after.base + after.pages
      if self[process: pi].vmas.contains(where: { (vmas[$0]?.start ?? 0) < base + n && (vmas[$0]?.end ?? 0) > base }) {
        throw SimError("pages \(n) after '\(after.name)' are not free")
      }
    case .ksmMerge(let x, let y):
      if x.process == y.process && x.vpage == y.vpage {
        throw SimError("\(Operation.Keyword.ksmMerge) names the same mapping twice")
      }
      if let k = ksmNode(of: y.page), ksmNode(of: x.page) != k {
        throw SimError("\(y.ref) is already a KSM page of another stable node")
      }
    case .ksmUnmerge(let ref, let p, let v):
      if stableNode(holding: p, v) == nil { throw SimError("\(ref) has no KSM rmap_item (it was never merged)") }
    case .swapOut(let x), .migrate(let x):
      if ksmNode(of: x.page) != nil {
        throw SimError("\(x.ref) is a KSM page; swapping or migrating KSM pages is not modelled")
      }
    case .brk(let pi, let m, let n):
      try validateBrk(process: pi, mapping: m, pages: n)
    case .growStack(let pi, let m, let n):
      try validateGrowStack(process: pi, mapping: m, pages: n)
    case .mremap(let pi, _, let m, _):
      try validateMRemap(process: pi, m)
    case .touch, .read, .exit, .munmap, .mprotect, .ksmdScan, .rmap, .takeAllLocks, .dropAllLocks:
      break
    }
    return resolved
  }

  /// The live stable node with an rmap_item for `address` of `process`.
  func stableNode(holding process: ProcessID, _ address: Int) -> StableNode? {
    stableNodes.first { node in node.alive && node.items.contains { $0.process == process && $0.address == address } }
  }
}

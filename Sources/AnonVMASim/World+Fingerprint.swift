/// A deterministic, well-mixed 64-bit hash: the same words give the same value in every process
/// and on every run (Swift's `Hasher` is seeded per process, so a search keyed by it could differ
/// from run to run when two states collide).
///
/// Each word goes through the 64-bit finalizer of MurmurHash3 (`fmix64`, a bijection with full
/// avalanche): `h = fmix64(h ^ word) + φ`. Two sequences of words of one length that differ in
/// their last word never collide; otherwise the value behaves as a random 64-bit number.
public struct StateHasher: Sendable {
  @usableFromInline var state: UInt64 = 0x243F_6A88_85A3_08D3

  public init() {}

  /// MurmurHash3's `fmix64`.
  @inlinable
  public static func mix(_ x: UInt64) -> UInt64 {
    var x = x
    x ^= x >> 33
    x &*= 0xFF51_AFD7_ED55_8CCD
    x ^= x >> 33
    x &*= 0xC4CE_B9FE_1A85_EC53
    x ^= x >> 33
    return x
  }

  @inlinable
  public mutating func combine(_ word: UInt64) {
    state = Self.mix(state ^ word) &+ 0x9E37_79B9_7F4A_7C15
  }

  @inlinable
  public mutating func combine(_ value: Int) { combine(UInt64(bitPattern: Int64(value))) }

  @inlinable
  public mutating func combine(_ value: Bool) { combine(value ? 1 : 2 as UInt64) }

  @inlinable
  public mutating func combine<Object>(_ id: ID<Object>) { combine(id.raw) }

  /// An optional id: nil is -1 (ids are not negative).
  @inlinable
  public mutating func combine<Object>(_ id: ID<Object>?) { combine(id?.raw ?? -1) }

  /// A string by its UTF-8 bytes, eight to a word, then its length; read from the string's
  /// storage in place when it has contiguous storage (the view's iterator costs several times
  /// more per byte), the same words either way.
  public mutating func combine(_ string: String) {
    let done: Void? = string.utf8.withContiguousStorageIfAvailable { combineUTF8($0) }
    if done == nil { combineUTF8(string.utf8) }
  }

  /// UTF-8 bytes, eight to a word, then their count.
  @inline(__always)
  mutating func combineUTF8<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
    var word: UInt64 = 0
    var n = 0
    for byte in bytes {
      word = word << 8 | UInt64(byte)
      n += 1
      if n & 7 == 0 {
        combine(word)
        word = 0
      }
    }
    combine(word)
    combine(n)
  }

  /// Ids in order, then their count.
  @inlinable
  public mutating func combine<Object>(_ ids: [ID<Object>]) {
    for id in ids { combine(id.raw) }
    combine(ids.count)
  }

  /// The hash of what was combined.
  @inlinable
  public func finalize() -> UInt64 { Self.mix(state) }
}

extension World {
  /// Hashes the kernel state (``StateHasher``) except the CPUs, which the caller hashes (the race
  /// explorer numbers each distinct CPU, program and registers included, in a table of its own):
  /// exactly what `==` compares, so equal worlds hash equal and, up to collisions, different
  /// worlds differently. Bookkeeping and the ``Unobserved`` settings are not hashed.
  ///
  /// A field added to `World` or to an object it stores must be hashed here too:
  /// `FingerprintTests` lists the fields this covers and fails when a type gains one.
  public func hashKernelState(into h: inout StateHasher) {
    hashKernelState(into: &h, pageNames: PageNames())
  }

  /// Hashes the kernel state as ``hashKernelState(into:)`` does, each page id replaced by its
  /// name in `pageNames` (``pageNames()``: names that do not depend on the order the pages were
  /// allocated in); the pages themselves are hashed as a set, each under its name. With empty
  /// names, exactly ``hashKernelState(into:)``.
  public func hashKernelState(into h: inout StateHasher, pageNames names: PageNames) {
    h.combine(kernel == .v2_6_34 ? 1 : kernel == .v2_6_36 ? 2 : 3)
    for v in variants { h.combine(v.rawValue) }
    h.combine(variants.count)
    // Each process read in place in its chunk: a call on `processes[i]` copies it out first.
    processes.forEachChunk { chunk in
      guard let first = chunk.baseAddress else { return }
      for i in chunk.indices { Process.hashState(at: first + i, into: &h, pageNames: names) }
    }
    h.combine(processes.count)
    // Each table as its digest, the one ``memoizeHashes()`` stored when no change cleared it.
    h.combine(vmas.slots.digest ?? vmasDigest())
    h.combine(detachedVMAs)
    h.combine(anonVMAs.digest ?? anonVMAsDigest())
    h.combine(avcs.slots.digest ?? avcsDigest())
    if names.isEmpty {
      for i in pages.indices { pages[i].hashState(into: &h) }
    } else {
      // A set: each page mixed on its own under its name, and the mixes added.
      var sum: UInt64 = 0
      for i in pages.indices {
        var e = StateHasher()
        e.combine(names.word(pages[i].id))
        pages[i].hashContents(into: &e)
        sum &+= e.finalize()
      }
      h.combine(sum)
    }
    h.combine(pages.count)
    for slot in swapSlots {
      h.combine(slot.id)
      h.combine(slot.count)
      h.combine(slot.exclusive)
      if let cached = slot.cached { h.combine(names.word(cached)) } else { h.combine(-1) }
    }
    h.combine(swapSlots.count)
    for node in stableNodes { node.hashState(into: &h, pageNames: names) }
    h.combine(stableNodes.count)
    hashLocks(into: &h)
    h.combine(pageTableEntries)
    h.combine(nextVMA)
    h.combine(nextAVC)
    for s in anonVMASlot { h.combine(s) }
    h.combine(anonVMASlot.count)
    h.combine(slotOccupant)
    for s in freeSlots { h.combine(s) }
    h.combine(freeSlots.count)
  }

  /// Stores the digests of the VMA, anon_vma and anon_vma_chain tables in the tables, where
  /// ``hashKernelState(into:pageNames:)`` reads them until a change to a table clears its own
  /// (``ChunkedArray/digest``): the race explorer memoizes a state's before trying its CPUs'
  /// micro-steps, and each successor, a copy, rehashes only the tables its micro-step changed.
  /// The hash is the same with or without the digests; these tables do not name pages, so the
  /// digests hold with and without the symmetry reduction's page names.
  public mutating func memoizeHashes() {
    if vmas.slots.digest == nil { vmas.slots.digest = vmasDigest() }
    if anonVMAs.digest == nil { anonVMAs.digest = anonVMAsDigest() }
    if avcs.slots.digest == nil { avcs.slots.digest = avcsDigest() }
  }

  /// The world without the digests ``memoizeHashes()`` stored (tests compare the hashes).
  func forgettingHashes() -> World {
    var w = self
    w.vmas.slots.digest = nil
    w.anonVMAs.digest = nil
    w.avcs.slots.digest = nil
    return w
  }

  /// Whether every table ``memoizeHashes()`` covers holds its digest.
  var hashesMemoized: Bool { vmas.slots.digest != nil && anonVMAs.digest != nil && avcs.slots.digest != nil }

  /// The VMAs by id, then their count.
  func vmasDigest() -> UInt64 {
    var h = StateHasher()
    vmas.forEachObject { id, vma in
      h.combine(id)
      vma.hashState(into: &h)
    }
    h.combine(vmas.count)
    return h.finalize()
  }

  /// The anon_vmas in id order, then their count.
  func anonVMAsDigest() -> UInt64 {
    var h = StateHasher()
    for i in anonVMAs.indices { anonVMAs[i].hashState(into: &h) }
    h.combine(anonVMAs.count)
    return h.finalize()
  }

  /// The anon_vma_chains by id, then their count.
  func avcsDigest() -> UInt64 {
    var h = StateHasher()
    avcs.forEachObject { id, avc in
      h.combine(id)
      h.combine(avc.id)
      h.combine(avc.vma)
      h.combine(avc.anonVMA)
      h.combine(avc.onSameVMA)
      h.combine(avc.onSameAnonVMA)
    }
    h.combine(avcs.count)
    return h.finalize()
  }

  /// The lock table in its order (lock id, then holders in acquisition order) and the pins,
  /// whose dictionary has no order: each entry mixed on its own and the mixes added.
  private func hashLocks(into h: inout StateHasher) {
    for lock in lockHolders.keys {
      h.combine(lock)
      for holder in lockHolders[lock] ?? [] {
        h.combine(holder.cpu)
        h.combine(holder.mode.stateCode)
        if let op = holder.op { h.combine(op) } else { h.combine(-1) }
      }
      h.combine(-2)
    }
    h.combine(-3)
    var pinSum: UInt64 = 0
    for (id, count) in pins {
      pinSum &+= StateHasher.mix(StateHasher.mix(UInt64(bitPattern: Int64(id.raw))) ^ UInt64(bitPattern: Int64(count)))
    }
    h.combine(pinSum)
    h.combine(pins.count)
  }
}

extension LockMode {
  /// A small number per mode, for ``StateHasher``.
  public var stateCode: Int {
    switch self {
    case .exclusive: return 1
    case .read: return 2
    case .write: return 3
    }
  }
}

extension CPUState {
  /// A small number per state, for ``StateHasher``.
  public var stateCode: Int {
    switch self {
    case .idle: return 1
    case .running: return 2
    case .blocked: return 3
    case .deadlocked: return 4
    }
  }
}

extension Process {
  /// Hashes the process read in place (a call on `processes[i]` copies the process first).
  static func hashState(at process: UnsafePointer<Process>, into h: inout StateHasher, pageNames names: PageNames) {
    h.combine(process.pointee.name)
    h.combine(process.pointee.parent)
    h.combine(process.pointee.alive)
    h.combine(process.pointee.vmas)
    // A dictionary has no order: each entry is mixed on its own and the mixes are added.
    var sum: UInt64 = 0
    for (vpage, pte) in process.pointee.ptes {
      var e = StateHasher()
      e.combine(vpage)
      switch pte {
      case .page(let p, let writable):
        e.combine(1)
        e.combine(names.word(p))
        e.combine(writable)
      case .zero: e.combine(2)
      case .swap(let s):
        e.combine(3)
        e.combine(s)
      case .migration(let p, let writable):
        e.combine(4)
        e.combine(names.word(p))
        e.combine(writable)
      }
      sum &+= e.finalize()
    }
    h.combine(sum)
    h.combine(process.pointee.ptes.count)
    for m in process.pointee.mappings {
      h.combine(m.name)
      h.combine(m.base)
      h.combine(m.pages)
      h.combine(m.growsDown)
    }
    h.combine(process.pointee.mappings.count)
    h.combine(process.pointee.nextAddress)
    h.combine(process.pointee.createdAt)
  }
}

extension VMA {
  func hashState(into h: inout StateHasher) {
    h.combine(id)
    h.combine(process)
    h.combine(mapping)
    h.combine(base)
    h.combine(start)
    h.combine(end)
    h.combine(pgoff)
    h.combine(prot == .rw)
    h.combine(growsDown)
    h.combine(anonVMA)
    h.combine(chainTailFirst)
    h.combine(detached)
    h.combine(createdAt)
  }
}

extension AnonVMA {
  func hashState(into h: inout StateHasher) {
    h.combine(id)
    h.combine(root)
    h.combine(parent)
    h.combine(refcount)
    h.combine(head)
    h.combine(numChildren)
    h.combine(numActiveVMAs)
    h.combine(allLocksBit)
    h.combine(alive)
    h.combine(emptied)
    h.combine(createdAt)
    h.combine(createdBy)
  }
}

extension Page {
  func hashState(into h: inout StateHasher) {
    h.combine(id)
    hashContents(into: &h)
  }

  /// Every field but the id.
  func hashContents(into h: inout StateHasher) {
    switch mapping {
    case .none: h.combine(1)
    case .anon(let a):
      h.combine(2)
      h.combine(a)
    case .ksm(let k):
      h.combine(3)
      h.combine(k)
    }
    h.combine(index)
    h.combine(mapcount)
    h.combine(pinned)
    h.combine(callerRefs)
    h.combine(anonExclusive)
    h.combine(cleanPTEs)
    h.combine(swapSlot)
    h.combine(freed)
  }
}

extension StableNode {
  func hashState(into h: inout StateHasher, pageNames names: PageNames) {
    h.combine(id)
    h.combine(names.word(page))
    for item in items {
      h.combine(item.process)
      h.combine(item.address)
      h.combine(item.vmaName)
      h.combine(item.anonVMA)
    }
    h.combine(items.count)
    h.combine(alive)
  }
}

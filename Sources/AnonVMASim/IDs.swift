/// The id of a model object: `ID<VMA>` for a `vm_area_struct`, `ID<AnonVMA>` for an anon_vma,
/// and so on (the aliases below name them as the model does).
///
/// One generic type with the object's model type as a phantom tag rather than seven hand-written
/// structs: the seven would be the same code seven times, and the tag is the type of the object
/// the id finds, so `IDTable<VMA>` is keyed by `ID<VMA>` without a second parameter. A VMA id
/// cannot be passed where an anon_vma id is expected: `ID<VMA>` and `ID<AnonVMA>` are distinct
/// types. At run time an id is its `Int` (no existential, no box): equality, order and hash
/// values are the number's (a set or dictionary of ids hashes as one of `Int`s does), and
/// `description` is the bare number, so `"AV\(a)"`, the state JSON and every frame read as
/// before.
@frozen
public struct ID<Object>: Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
  /// The number: 1-based and allocated in sequence for every kind but processes, which are
  /// numbered by creation from 0 (their index in `World.processes`).
  public var raw: Int

  @inlinable
  public init(_ raw: Int) { self.raw = raw }

  @inlinable
  public init(integerLiteral value: Int) { raw = value }

  @inlinable
  public static func == (a: ID, b: ID) -> Bool { a.raw == b.raw }

  @inlinable
  public static func < (a: ID, b: ID) -> Bool { a.raw < b.raw }

  @inlinable
  public func hash(into hasher: inout Hasher) { hasher.combine(raw) }

  // Int's one-shot hash, which `Set` and `Dictionary` call: without it they would build a
  // `Hasher` per lookup where an `Int` key does not.
  @inlinable
  public func _rawHashValue(seed: Int) -> Int { raw._rawHashValue(seed: seed) }

  /// The bare number (`3`), as names, the state JSON and the frames print it.
  public var description: String { String(raw) }
}

/// A process (its `mm_struct`): its index in `World.processes`, in creation order from 0.
public typealias ProcessID = ID<Process>
/// A `vm_area_struct`.
public typealias VMAID = ID<VMA>
/// A `struct anon_vma` (`AV<n>`).
public typealias AnonVMAID = ID<AnonVMA>
/// A `struct anon_vma_chain` (`avc<n>`).
public typealias AVCID = ID<AVC>
/// An anonymous (or KSM) page (`pg<n>`).
public typealias PageID = ID<Page>
/// A swap slot.
public typealias SwapSlotID = ID<SwapSlot>
/// A KSM stable node (`K<n>`).
public typealias StableNodeID = ID<StableNode>

/// Access by id: the one place where an id becomes an index into its storage. Every id but a
/// process's is 1-based and storage is 0-based, hence the `- 1` here and nowhere else. None of these
/// objects is ever removed from storage (a freed one stays with `alive == false` /
/// `freed == true`), so an id allocated in this world is always a valid index.
extension World {
  /// The process with id `id` (processes are never removed: an exited one has `alive == false`).
  @inlinable
  public subscript(process id: ProcessID) -> Process {
    _read { yield processes[id.raw] }
    _modify { yield &processes[id.raw] }
  }

  /// Whether `id` names a process of this world.
  @inlinable
  public func isAllocated(_ id: ProcessID) -> Bool { id.raw >= 0 && id.raw < processes.count }

  /// The newest process's id (nil in a world with none).
  @inlinable
  public var lastProcessID: ProcessID? { processes.isEmpty ? nil : ProcessID(processes.count - 1) }

  /// Every process id, in creation order.
  public var processIDs: [ProcessID] { processes.indices.map { ProcessID($0) } }

  /// The anon_vma with id `id`; the id must have been allocated (see ``anonVMA(_:)`` for a
  /// checked lookup).
  ///
  /// Reads and single-field writes (`self[anonVMA: a].refcount -= 1`) go through the storage's
  /// `_read`/`_modify`; for mutations in the micro-step hot path use ``updateAnonVMA(_:_:)``.
  @inlinable
  public subscript(anonVMA id: AnonVMAID) -> AnonVMA {
    _read { yield anonVMAs[id.raw - 1] }
    _modify { yield &anonVMAs[id.raw - 1] }
  }

  /// Mutates the anon_vma with id `id` in place through a plain call: the hot-path mutation
  /// (``ChunkedArray/update(_:_:)``).
  @inlinable
  public mutating func updateAnonVMA<R>(_ id: AnonVMAID, _ body: (inout AnonVMA) -> R) -> R {
    anonVMAs.update(id.raw - 1, body)
  }

  /// Whether `id` names an anon_vma allocated in this world.
  @inlinable
  public func isAllocated(_ id: AnonVMAID) -> Bool { id.raw >= 1 && id.raw <= anonVMAs.count }
}

extension World {
  /// Whether `id` names a page allocated in this world.
  @inlinable
  public func isAllocated(_ id: PageID) -> Bool { id.raw >= 1 && id.raw <= pages.count }

  /// The page with id `id`; the id must have been allocated.
  @inlinable
  public subscript(page id: PageID) -> Page {
    _read { yield pages[id.raw - 1] }
    _modify { yield &pages[id.raw - 1] }
  }

  /// The swap slot with id `id`; the id must have been allocated.
  @inlinable
  public subscript(swapSlot id: SwapSlotID) -> SwapSlot {
    _read { yield swapSlots[id.raw - 1] }
    _modify { yield &swapSlots[id.raw - 1] }
  }

  /// The KSM stable node with id `id`; the id must have been allocated.
  @inlinable
  public subscript(stableNode id: StableNodeID) -> StableNode {
    _read { yield stableNodes[id.raw - 1] }
    _modify { yield &stableNodes[id.raw - 1] }
  }
}

/// Allocation: ids are handed out in sequence and never reused, so names (`AV3`) stay stable.
extension World {
  /// A fresh VMA id.
  mutating func newVMAID() -> VMAID {
    defer { nextVMA.raw += 1 }
    return nextVMA
  }

  /// A fresh anon_vma_chain id.
  mutating func newAVCID() -> AVCID {
    defer { nextAVC.raw += 1 }
    return nextAVC
  }

  /// The id the next anon_vma, page, swap slot or stable node appended to its storage gets.
  var nextAnonVMAID: AnonVMAID { AnonVMAID(anonVMAs.count + 1) }
  var nextPageID: PageID { PageID(pages.count + 1) }
  var nextSwapSlotID: SwapSlotID { SwapSlotID(swapSlots.count + 1) }
  var nextStableNodeID: StableNodeID { StableNodeID(stableNodes.count + 1) }

  /// How many VMAs were ever allocated (ids `1...vmasAllocated`).
  var vmasAllocated: Int { nextVMA.raw - 1 }
  /// How many anon_vma_chains were ever allocated (ids `1...avcsAllocated`).
  var avcsAllocated: Int { nextAVC.raw - 1 }
}

/// The anon_vma memory slots of SLAB_DESTROY_BY_RCU (D.7): slots are numbered from 1 like ids.
extension World {
  /// The memory slot anon_vma `id` was allocated in; nil for an id not allocated.
  func memorySlot(of id: AnonVMAID) -> Int? {
    id.raw >= 1 && id.raw <= anonVMASlot.count ? anonVMASlot[id.raw - 1] : nil
  }

  /// The anon_vma now in memory slot `slot`.
  subscript(slotOccupant slot: Int) -> AnonVMAID {
    get { slotOccupant[slot - 1] }
    set { slotOccupant[slot - 1] = newValue }
  }
}

/// A value per id of one kind, kept in an array at the id's number (slot 0 of a 1-based kind
/// stays unused): a dense table over ids allocated in sequence, as the diagram's plan keeps for
/// every object of a timeline, with no hashing and no `id - 1` at its users. Reading an id past
/// the end gives `absent`; writing one appends `absent` up to it.
@frozen
public struct IDArray<Object, Value> {
  @usableFromInline var slots: [Value]
  /// The value of an id never written.
  public let absent: Value

  /// A table with every id up to `last` (none when nil) holding `absent`.
  @inlinable
  public init(absent: Value, through last: ID<Object>? = nil) {
    self.absent = absent
    slots = [Value](repeating: absent, count: last.map { max(0, $0.raw + 1) } ?? 0)
  }

  @inlinable
  public subscript(id: ID<Object>) -> Value {
    get { id.raw >= 0 && id.raw < slots.count ? slots[id.raw] : absent }
    _modify {
      precondition(id.raw >= 0, "ids are not negative")
      if id.raw >= slots.count { slots += repeatElement(absent, count: id.raw + 1 - slots.count) }
      yield &slots[id.raw]
    }
  }
}

extension IDArray: Sendable where Value: Sendable {}
extension IDArray: Equatable where Value: Equatable {}
extension IDArray: Hashable where Value: Hashable {}

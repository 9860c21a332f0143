/// Access by id: the one place where a 1-based id (anon_vma `AV<n>`, page `pg<n>`, swap slot,
/// KSM stable node) becomes an index into its storage (0-based). None of these objects is ever
/// removed from storage (a freed one stays with `alive == false` / `freed == true`), so an id
/// allocated in this world is always a valid index.
///
/// Step 1 of issue 15 (typed ids): the accessors come first, the id types (`AnonVMAID`, `PageID`,
/// ...) follow and only have to change the signatures here.
extension World {
  /// The anon_vma with id `id`; the id must have been allocated (see ``anonVMA(_:)`` for a
  /// checked lookup).
  ///
  /// Reads and single-field writes (`self[anonVMA: a].refcount -= 1`) go through the storage's
  /// `_read`/`_modify`; for mutations in the micro-step hot path use ``updateAnonVMA(_:_:)``.
  @inlinable
  public subscript(anonVMA id: Int) -> AnonVMA {
    _read { yield anonVMAs[id - 1] }
    _modify { yield &anonVMAs[id - 1] }
  }

  /// Mutates the anon_vma with id `id` in place through a plain call: the hot-path mutation
  /// (``ChunkedArray/update(_:_:)``).
  @inlinable
  public mutating func updateAnonVMA<R>(_ id: Int, _ body: (inout AnonVMA) -> R) -> R {
    anonVMAs.update(id - 1, body)
  }
}

extension World {
  /// The page with id `id`; the id must have been allocated.
  @inlinable
  public subscript(page id: Int) -> Page {
    _read { yield pages[id - 1] }
    _modify { yield &pages[id - 1] }
  }

  /// The swap slot with id `id`; the id must have been allocated.
  @inlinable
  public subscript(swapSlot id: Int) -> SwapSlot {
    _read { yield swapSlots[id - 1] }
    _modify { yield &swapSlots[id - 1] }
  }

  /// The KSM stable node with id `id`; the id must have been allocated.
  @inlinable
  public subscript(stableNode id: Int) -> StableNode {
    _read { yield stableNodes[id - 1] }
    _modify { yield &stableNodes[id - 1] }
  }
}

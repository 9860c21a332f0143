/// The kernel model a scene runs on.
///
/// Labels follow `Docs/kernel-semantics.md` §0: `2.6.36` is the root-lock series as merged for
/// v2.6.36-rc1 (`2.6.35` and `root-lock` are aliases), `6.1` the rwsem/interval-tree code of 6.1
/// (`6.x` and `modern` are aliases; its merge rule is 6.1's, 965f55dea0e3, in force until 6.15), and
/// `mainline` the v7.0 code with the reworked anon_vma_clone()/unlink_anon_vmas() (fork-only reuse,
/// one root lock per clone and unlink) and the three-case merge rule of mm/vma.c (§0, "mainline").
public enum KernelVersion: String, Sendable, Hashable, CaseIterable {
  // The kernel's own version numbers, dots as underscores.
  // swift-format-ignore: AlwaysUseLowerCamelCase
  case v2_6_34 = "2.6.34"
  // swift-format-ignore: AlwaysUseLowerCamelCase
  case v2_6_36 = "2.6.36"
  /// Linux 6.1 (the Swift name stays `v6`; "6.x" and "modern" are accepted aliases).
  case v6 = "6.1"
  /// The newest mainline code the project follows (v7.0, `Docs/kernel-semantics.md` §0).
  case mainline = "mainline"

  /// The rwsem/interval-tree models (6.1 and mainline): parent, num_children and
  /// num_active_vmas, put_anon_vma(), anon_vma_lock_read/write.
  public var isModern: Bool { self == .v6 || self == .mainline }

  /// Parses a kernel name or one of its aliases.
  public init?(name: String) {
    switch name {
    case "2.6.34": self = .v2_6_34
    case "2.6.36", "2.6.35", "root-lock": self = .v2_6_36
    case "6.1", "6.x", "modern": self = .v6
    case "mainline", "7.0": self = .mainline
    default: return nil
    }
  }

  /// The label shown to people.
  public var displayName: String {
    switch self {
    case .v2_6_34: return "2.6.34 (per-anon_vma lock)"
    case .v2_6_36: return "2.6.36 (root lock)"
    case .v6: return "6.1 (root rwsem)"
    case .mainline: return "mainline v7.0 (reworked clone/unlink)"
    }
  }
}

/// A historic bug re-introduced into a model (`Docs/scene-language.md`, "Variants").
public enum Variant: String, Sendable, Hashable, CaseIterable, Comparable {
  case noSixFive = "no-6/5"
  case noFiveFive = "no-5/5"
  case rootSelfDrop = "root-self-drop"
  case swapinRC3 = "swapin-rc3"
  case degree = "degree"
  /// Linus's hypothetical in the thread: KSM's drop with a plain atomic_dec_and_test() instead of
  /// atomic_dec_and_lock() (D.3) - a double free (added to the contract's list).
  case plainDec = "plain-dec"
  /// page_lock_anon_vma before f18194275c39 (Hugh Dickins, Aug 2010): lock and unlock through a
  /// re-read anon_vma->root, no page_mapped re-check (D.7; added to the contract's list).
  case rootReread = "root-reread"
  /// mremap()'s merge from v6.16 (879bca0a2c4f) to v6.18.7, before 61f67c230a5e and 3b617fd3d317:
  /// copy_vma() sets no `copied_from`, so vma_expand() never dup_anon_vma()s the moved VMA's chain
  /// into an unfaulted target and the fork-child limit does not apply to the moved VMA; the
  /// source's unlink then frees its anon_vma under the moved pages (D.10).
  case mremapUAF = "mremap-uaf"

  /// The kernel model the variant belongs to.
  public var kernel: KernelVersion {
    switch self {
    case .noSixFive, .noFiveFive, .rootSelfDrop, .rootReread: return .v2_6_36
    case .swapinRC3, .plainDec: return .v2_6_34
    case .degree: return .v6
    case .mremapUAF: return .mainline
    }
  }

  public static func < (lhs: Variant, rhs: Variant) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Scenes compiled into the binary.
public enum BuiltinScenes {
  /// The tour `anonvis` plays with no arguments.
  public static let tour = """
    title "Tour: anon_vmas, their roots and the root lock (2.6.36)"
    kernel 2.6.36

    chapter "First touch"
    spawn P1
    say "P1 is a process with an empty address space."
    mmap P1 heap 4
    say "A private anonymous mapping: a VMA, but no anon_vma until the first write."
    read P1 heap 0
    say "A read fault maps the shared zero page. Still no anon_vma."
    expect anon_vmas == 0
    touch P1 heap 0..1
    say "The first write fault calls anon_vma_prepare: AV1 is born, and it is its own root."
    expect root AV1 == AV1
    expect page P1 heap 0 in AV1

    chapter "Fork"
    fork P1 P2
    say "anon_vma_fork: P2's VMA is linked to AV1 (a clone of P1's chain) and to its own AV2."
    say "AV2->root points straight at AV1, and AV2 pins AV1: external_refcount 1."
    expect chain P2 heap == AV2 AV1
    expect root AV2 == AV1
    expect refcount AV1 == 1
    touch P2 heap 0
    say "The COW copy goes to the child's own anon_vma, AV2."
    expect page P2 heap 0 in AV2
    fork P2 P3
    say "A grandchild: chain AV3 AV2 AV1. Every anon_vma of the forest points at the root AV1."
    expect chain P3 heap == AV3 AV2 AV1
    expect refcount AV1 == 2

    chapter "The root lock"
    rmap P1 heap 1
    say "An rmap walk of a page filed in AV1 visits every VMA of the forest, under AV1's lock."
    expect visits P1 heap 1 == P1:heap@0 P2:heap@0 P3:heap@0
    rmap P2 heap 0
    say "A page filed in AV2 is looked up only in P2 and P3, but the lock is still the root's."

    chapter "Exit"
    exit P2
    say "P2 exits: AV2 stays alive because P3's VMA is still on its list."
    expect alive AV2
    exit P1
    exit P3
    say "The last exit frees newest to oldest: AV3, AV2, and the root AV1 last."
    expect anon_vmas == 0
    expect violations == 0
    """
}

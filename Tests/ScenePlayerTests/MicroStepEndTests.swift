import AnonVMASim
import ScenePlayer
import Testing

/// A step's micro-steps end where the step does: what the last one shows of the CPUs is what
/// the whole step shows.
@Suite("The last micro-step shows the CPUs as the step's end does")
struct MicroStepEndTests {
  /// A CPU's lock attempt that blocked changed the world (the CPU waits; on 6.x it joins the
  /// rwsem's wait list) without a micro-step: in readers-queue-behind-a-waiting-writer-6.1 step
  /// 10, micro-step 5 showed cpu2 running and the step's end showed it queued behind cpu1.
  @Test(
    "every scene: at each step the last micro-state's CPUs (state, lock awaited, wait list, locks held) are the step's",
    arguments: sceneFiles().filter { !$0.hasPrefix("scale/") })
  func lastMicroStepIsTheEnd(file: String) throws {
    let t = try load(file)
    // Running and idle are one: an operation whose last instructions emit no event ends after
    // its last micro-step (the CPU shown in it until the step's end).
    func cpus(_ w: World) -> [String] {
      w.cpus.map { c in
        "\(c.name) \(c.state == .idle ? CPUState.running.rawValue : c.state.rawValue) waits \(c.waitingFor.map { World.avName($0) } ?? "-") "
          + "\(c.waitList.map { "\($0.mode.rawValue)#\($0.place)" } ?? "-") holds \(c.holds.map { World.avName($0) })"
      }
    }
    for k in stride(from: 1, through: t.stepCount, by: 1) {
      guard let last = t.microStates(step: k).last else { continue }
      #expect(cpus(last.world) == cpus(t.states[k]), "\(file) step \(k)")
    }
  }

  @Test("a 6.1 reader that queues behind a waiting writer is a micro-step of its own, naming both")
  func readerQueues() throws {
    let t = try load("concurrency/readers-queue-behind-a-waiting-writer-6.1.scene")
    let k = try #require(
      (1...t.stepCount).first { k in
        t.states[k].cpus[2].waitingFor != nil && t.states[k - 1].cpus[2].waitingFor == nil
      })
    let last = try #require(t.microStates(step: k).last)
    #expect(last.event.function == "anon_vma_lock_read")
    #expect(last.event.text == "AV1's rwsem held by cpu0 (read), queued behind cpu1 (write): cpu2 sleeps for read")
  }
}

import AnonVMASim

extension Timeline {
  /// The state JSON of `Docs/state-json.md` after a step, as one line.
  public func stateJSON(step: Int) -> String {
    let world = states[step]
    var fields: [(String, JSON)] = [
      ("scene", .string(title)),
      ("kernel", .string(kernel.rawValue)),
      ("variants", .strings(variants.map(\.rawValue))),
      ("step", .int(step)),
      ("steps", .int(stepCount)),
      ("label", .string(steps[step].label)),
      ("chapter", .opt(steps[step].chapter)),
    ]
    fields += world.stateFields()
    fields.append(("events", .strings(replay.events(step: step).map { "cpu\($0.cpu) \($0.summary)" })))
    return JSON.object(fields).serialized
  }
}

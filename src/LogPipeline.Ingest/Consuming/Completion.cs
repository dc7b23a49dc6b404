namespace LogPipeline.Ingest.Consuming;

/// <summary>
/// A batch whose every message is either in Elasticsearch or acknowledged by the dead-letter topic
/// (<see cref="Abandoned"/> false), or was given up at shutdown (true: nothing may be committed for it).
/// Carries only positions back to the consume thread; the body was already returned to the pool.
/// </summary>
internal readonly record struct Completion(Position[] Positions, bool Abandoned);

/// <summary>A record's position in the (single) consumed topic.</summary>
internal readonly record struct Position(int Partition, long Offset);

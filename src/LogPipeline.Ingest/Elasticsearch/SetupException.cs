namespace LogPipeline.Ingest.Elasticsearch;

/// <summary>A setup/report step failed; the message says what went wrong and what to do, and is printed as is.</summary>
public sealed class SetupException : Exception
{
    public SetupException()
    {
    }

    public SetupException(string message)
        : base(message)
    {
    }

    public SetupException(string message, bool retriable)
        : base(message)
    {
        Retriable = retriable;
    }

    public SetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// True for an outage (unreachable, 429, 5xx) that the same request may get past later; false for a refusal
    /// (credentials, privileges, version, a rejected body) that needs an operator. The worker's start-up retries
    /// the first kind and exits on the second.
    /// </summary>
    public bool Retriable { get; }
}

namespace LogPipeline.Ingest.Setup;

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

    public SetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

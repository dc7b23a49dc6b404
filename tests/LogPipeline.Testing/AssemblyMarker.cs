namespace LogPipeline.Testing;

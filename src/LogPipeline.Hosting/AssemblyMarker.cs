namespace LogPipeline.Hosting;

Console.WriteLine("ingest");

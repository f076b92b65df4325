//! The simulation core: event engine, .NET GC, process, pod and workload models. No file, CLI or plotting code lives here.

// The multi-stage Dockerfile that the podman comparison test and the build benchmark both build: a build
// stage that makes files with busybox tools, and a final stage that copies them --from it and sets every
// config field the comparison reads.
import { IMAGE } from './engineHarness';

export const COMPARED_DOCKERFILE = `FROM ${IMAGE} AS build
WORKDIR /src
COPY input.txt .
RUN mkdir /out && tr a-z A-Z < input.txt > /out/upper.txt && seq 3 > /out/seq.txt && chmod 0640 /out/seq.txt

FROM ${IMAGE}
ARG GREETING=hello
ENV GREETING=$GREETING APP_HOME=/app
WORKDIR /app
COPY --from=build /out/ ./
COPY config.json ./
RUN mkdir -p data && echo "$GREETING" > data/greeting.txt && rm -rf /root
USER nobody
EXPOSE 8080 9090/udp
LABEL org.example.title="compared" org.example.version=1
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/upper.txt"]
`;

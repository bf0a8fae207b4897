-- wrk script: POST the file named by $BODY with Content-Type $CONTENT_TYPE; counts non-200 answers.
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/octet-stream"
-- the Open Inference Protocol's binary extension: the JSON header's length, when the body has one
local header_length = os.getenv("INFERENCE_HEADER_LENGTH")
if header_length and header_length ~= "" then
  wrk.headers["Inference-Header-Content-Length"] = header_length
end

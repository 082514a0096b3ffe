from streamlit.testing.v1 import AppTest
import time
at = AppTest.from_file("app.py", default_timeout=60)
t=time.time(); at.run(); print("first", time.time()-t)
print([e.value for e in at.exception][:3])
for s in ["Matrix", "Where can this chip go?", "Threshold planes", "Compare", "Timeline", "Data", "Method"]:
    at.sidebar.radio(key="screen").set_value(s).run()
    print(s, [str(e.value)[:300] for e in at.exception][:2], [str(e.value)[:100] for e in at.error][:2])

package dev.txlease.spring;

import dev.txlease.LeaseClient;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.util.ReflectionUtils;

/**
 * Applies {@link Leased} to the beans of an application context: checks every {@code @Leased}
 * method when its bean is created (a bad expression or option fails the start-up, naming the bean
 * and the method) and proxies the bean so that the lease is acquired around the call.
 *
 * <p>Declare it as a {@code static} {@code @Bean}. The leases come from the context's {@link
 * LeaseClient} bean (the primary one if there are several), looked up on the first call. The advice
 * is added after existing advisors, so inside a {@code @Transactional} method's transaction.
 *
 * <p>Thread-safe once the context is refreshed.
 */
public class LeasedAnnotationBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {
    private static final long serialVersionUID = 1L;

    private transient LeasedMethodInterceptor interceptor;

    /** Creates the post-processor. */
    public LeasedAnnotationBeanPostProcessor() {
        setBeforeExistingAdvisors(false);
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        this.interceptor = new LeasedMethodInterceptor(() -> beanFactory.getBean(LeaseClient.class));
        this.advisor =
                new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, Leased.class, true), interceptor);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> targetClass = AopUtils.getTargetClass(bean);
        try {
            ReflectionUtils.doWithMethods(targetClass, interceptor::check);
        } catch (IllegalStateException e) {
            throw new BeanCreationException(beanName, e.getMessage(), e);
        }
        return super.postProcessAfterInitialization(bean, beanName);
    }
}
